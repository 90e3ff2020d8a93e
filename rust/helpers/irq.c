// SPDX-License-Identifier: GPL-2.0

#include <linux/interrupt.h>
#include <linux/spinlock.h>

int rust_helper_request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
			    const char *name, void *dev)
{
	return request_irq(irq, handler, flags, name, dev);
}

void rust_helper_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

void rust_helper_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}
