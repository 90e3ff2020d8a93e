// SPDX-License-Identifier: GPL-2.0

#include <linux/delay.h>
#include <linux/processor.h>

void rust_helper_usleep_range(unsigned long min, unsigned long max)
{
	usleep_range(min, max);
}

void rust_helper_cpu_relax(void)
{
	cpu_relax();
}
