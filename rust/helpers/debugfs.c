// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the debugfs KUnit suite (rust/kernel/debugfs/tests.rs), which opens, reads and
 * writes debugfs files the way the system calls do: through the file's f_op, with user memory.
 */

#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/mman.h>

#if IS_BUILTIN(CONFIG_KUNIT)
/*
 * Maps @len bytes of anonymous user memory for the running KUnit test (attaching an mm to the
 * test's kthread if needed); KUnit unmaps it when the test ends. Returns 0 on failure.
 */
unsigned long rust_helper_debugfs_test_ubuf(unsigned long len)
{
	struct kunit *test = kunit_get_current_test();

	if (!test)
		return 0;
	return kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
}
#endif

const struct cred *rust_helper_current_cred(void)
{
	return current_cred();
}
