/* Local TCP ports, from bind(2) and /proc/net/tcp{,6} + /proc/PID/fd. */
#include "netport.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int port_free(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok, one = 1;

	if (fd < 0)
		return 1;	/* cannot tell: let the caller's own attempt say what is wrong */
	/* As servers do (Go's net package among them): connections of a listener that just
	 * stopped, still in TIME_WAIT, do not make the port taken; another listener does. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno != EADDRINUSE;
	close(fd);
	return ok;
}

/* The inode of a socket listening on port in a /proc/net/tcp-format file, or 0. */
static unsigned long listen_inode(const char *table, int port)
{
	FILE *f = fopen(table, "r");
	char line[512];
	unsigned long inode = 0;

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL) {	/* header */
		fclose(f);
		return 0;
	}
	while (inode == 0 && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned st, lport;
		unsigned long ino;
		/* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, "%*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &ino) != 3)
			continue;
		char *colon = strrchr(local, ':');
		if (colon == NULL || sscanf(colon + 1, "%x", &lport) != 1)
			continue;
		if (st == 0x0A && (int)lport == port)	/* TCP_LISTEN */
			inode = ino;
	}
	fclose(f);
	return inode;
}

/* The pid holding socket inode, by its open descriptors; 0 when none is visible. */
static long inode_owner(unsigned long inode)
{
	char want[64];
	DIR *proc = opendir("/proc");
	struct dirent *d;
	long found = 0;

	if (proc == NULL)
		return 0;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (found == 0 && (d = readdir(proc)) != NULL) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		char fddir[64];
		snprintf(fddir, sizeof(fddir), "/proc/%ld/fd", pid);
		DIR *fds = opendir(fddir);
		if (fds == NULL)
			continue;
		struct dirent *f;
		while (found == 0 && (f = readdir(fds)) != NULL) {
			char path[384], target[64];
			snprintf(path, sizeof(path), "%s/%s", fddir, f->d_name);
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				if (strcmp(target, want) == 0)
					found = pid;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

int port_holder(int port, char *buf, size_t size)
{
	unsigned long inode = listen_inode("/proc/net/tcp", port);
	char comm[64] = "?", path[64];
	long pid;

	buf[0] = '\0';
	if (inode == 0)
		inode = listen_inode("/proc/net/tcp6", port);
	if (inode == 0 || (pid = inode_owner(inode)) == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, size, "pid %ld (%s)", pid, comm);
	return 0;
}
