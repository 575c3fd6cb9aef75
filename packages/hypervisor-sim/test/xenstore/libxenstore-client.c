/*
 * Debian's libxenstore (Xen 4.17) against the simulator's xenstore: every call's result printed one per line,
 * compared exactly by libxenstore.test.ts. XENSTORED_PATH names the socket (tools/xenstore/xs_lib.c
 * xs_daemon_socket() @ RELEASE-4.17.0).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static void show_read(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len = 0;
	char *v = xs_read(h, t, path, &len);

	if (v)
		printf("read %s = \"%s\" (%u)\n", path, v, len);
	else
		printf("read %s failed: %s\n", path, strerror(errno));
	free(v);
}

static void show_dir(struct xs_handle *h, const char *path)
{
	unsigned int n = 0, i;
	char **d = xs_directory(h, XBT_NULL, path, &n);

	if (!d) {
		printf("directory %s failed: %s\n", path, strerror(errno));
		return;
	}
	printf("directory %s:", path);
	for (i = 0; i < n; i++)
		printf(" %s", d[i]);
	printf("\n");
	free(d);
}

static void show_watch(struct xs_handle *h)
{
	unsigned int n = 0;
	char **w = xs_read_watch(h, &n);

	if (!w) {
		printf("read_watch failed: %s\n", strerror(errno));
		return;
	}
	printf("event %s %s\n", w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
	free(w);
}

int main(void)
{
	struct xs_handle *h = xs_open(0), *other = xs_open(0);
	struct xs_permissions perms[2] = { { .id = 0, .perms = XS_PERM_NONE }, { .id = 0, .perms = XS_PERM_READ } };
	struct xs_permissions *got;
	unsigned int nperms = 0, i;
	bool ok;
	xs_transaction_t t;
	char *path;

	if (!h || !other) {
		printf("xs_open failed: %s\n", strerror(errno));
		return 1;
	}
	printf("write %d\n", xs_write(h, XBT_NULL, "/lx/a", "hello", 5));
	show_read(h, XBT_NULL, "/lx/a");
	show_read(h, XBT_NULL, "domid");
	show_read(h, XBT_NULL, "/lx/missing");
	printf("mkdir %d\n", xs_mkdir(h, XBT_NULL, "/lx/dir"));
	show_dir(h, "/lx");

	printf("watch %d\n", xs_watch(h, "/lx", "tok"));
	show_watch(h);
	printf("write %d\n", xs_write(other, XBT_NULL, "/lx/b", "2", 1));
	show_watch(h);
	printf("rm %d\n", xs_rm(other, XBT_NULL, "/lx/b"));
	show_watch(h);
	printf("unwatch %d\n", xs_unwatch(h, "/lx", "tok"));

	t = xs_transaction_start(h);
	printf("transaction %u\n", t);
	printf("write %d\n", xs_write(h, t, "/lx/c", "in tx", 5));
	show_read(h, t, "/lx/c");
	show_read(other, XBT_NULL, "/lx/c");
	printf("end %d\n", xs_transaction_end(h, t, false));
	show_read(other, XBT_NULL, "/lx/c");

	t = xs_transaction_start(h);
	show_read(h, t, "/lx/a");
	printf("write %d\n", xs_write(other, XBT_NULL, "/lx/a", "other", 5));
	printf("write %d\n", xs_write(h, t, "/lx/d", "lost", 4));
	errno = 0;
	ok = xs_transaction_end(h, t, false);
	printf("end %d errno %s\n", ok, strerror(errno));
	show_read(h, XBT_NULL, "/lx/d");

	t = xs_transaction_start(h);
	printf("write %d\n", xs_write(h, t, "/lx/e", "x", 1));
	printf("abort %d\n", xs_transaction_end(h, t, true));
	show_read(h, XBT_NULL, "/lx/e");

	printf("set_permissions %d\n", xs_set_permissions(h, XBT_NULL, "/lx/a", perms, 2));
	got = xs_get_permissions(h, XBT_NULL, "/lx/a", &nperms);
	printf("permissions:");
	for (i = 0; got && i < nperms; i++)
		printf(" %u/%d", got[i].id, (int)got[i].perms);
	printf("\n");
	free(got);

	path = xs_get_domain_path(h, 3);
	printf("domain path %s\n", path ? path : "(null)");
	free(path);

	xs_close(other);
	xs_close(h);
	return 0;
}
