// SPDX-License-Identifier: MIT
/*
 * Binding and unbinding the novax drivers through sysfs.
 *
 * Two drivers: the core PCI driver owns the (emulated) GPU and creates the auxiliary device
 * novax_core.drm.<N>; the DRM driver "novax" binds to that. Unbinding the core removes the
 * auxiliary device (and so unbinds the DRM driver too); rebinding it creates a new auxiliary
 * device with the next <N>.
 */
#define _GNU_SOURCE
#include "novax.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <time.h>
#include <unistd.h>

#define AUX_DRIVER_DIR "/sys/bus/auxiliary/drivers/" NOVAX_DRIVER_NAME
#define EMU_VENDOR "0x1af4"
#define EMU_DEVICE "0x1110"

int sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;
	int err;

	if (fd < 0)
		return -errno;
	r = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	return r < 0 ? -err : 0;
}

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

bool novax_pci_bdf(char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[512], vendor[16], device[16];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (!read_line(path, vendor, sizeof(vendor)) || strcmp(vendor, EMU_VENDOR))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (!read_line(path, device, sizeof(device)) || strcmp(device, EMU_DEVICE))
			continue;
		snprintf(bdf, len, "%s", e->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

const char *novax_core_driver_dir(void)
{
	/*
	 * The driver registers as its module name, novax_core; accept the dashed spelling too,
	 * which is what the test contract first named.
	 */
	static const char *const dirs[] = {
		"/sys/bus/pci/drivers/novax_core",
		"/sys/bus/pci/drivers/novax-core",
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], F_OK) == 0)
			return dirs[i];
	return NULL;
}

bool novax_aux_device(char *name, size_t len)
{
	glob_t g;
	bool found;

	if (glob("/sys/bus/auxiliary/devices/novax_core.drm.*", 0, NULL, &g) != 0)
		return false;
	found = g.gl_pathc > 0;
	if (found)
		snprintf(name, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
	globfree(&g);
	return found;
}

bool novax_drm_bound(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), AUX_DRIVER_DIR "/%s", name);
	return access(path, F_OK) == 0;
}

int novax_drm_unbind(const char *name)
{
	return sysfs_write(AUX_DRIVER_DIR "/unbind", name);
}

int novax_drm_bind(const char *name)
{
	return sysfs_write(AUX_DRIVER_DIR "/bind", name);
}

static int core_write(const char *file, const char *bdf)
{
	const char *dir = novax_core_driver_dir();
	char path[256];

	if (!dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return sysfs_write(path, bdf);
}

int novax_core_unbind(const char *bdf)
{
	return core_write("unbind", bdf);
}

int novax_core_bind(const char *bdf)
{
	return core_write("bind", bdf);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int novax_wait_render(int timeout_ms)
{
	for (int waited = 0;; waited += 20) {
		int fd = __drm_open_novax_render();

		if (fd >= 0 || waited >= timeout_ms)
			return fd;
		sleep_ms(20);
	}
}

bool novax_wait_no_render(int timeout_ms)
{
	for (int waited = 0;; waited += 20) {
		int fd = __drm_open_novax_render();

		if (fd < 0)
			return true;
		close(fd);
		if (waited >= timeout_ms)
			return false;
		sleep_ms(20);
	}
}

void novax_ensure_bound(void)
{
	const char *dir = novax_core_driver_dir();
	char bdf[32], aux[64], path[256];

	if (dir && novax_pci_bdf(bdf, sizeof(bdf))) {
		snprintf(path, sizeof(path), "%s/%s", dir, bdf);
		if (access(path, F_OK) != 0) {
			igt_info("rebinding the core driver to %s\n", bdf);
			novax_core_bind(bdf);
		}
	}
	if (novax_aux_device(aux, sizeof(aux)) && !novax_drm_bound(aux)) {
		igt_info("rebinding the DRM driver to %s\n", aux);
		novax_drm_bind(aux);
	}
}
