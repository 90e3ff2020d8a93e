// SPDX-License-Identifier: GPL-2.0

#include <linux/interrupt.h>
#include <linux/irq_poll.h>
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

/*
 * Sets the budget of an irq_poll while its softirq may be reading it: lib/irq_poll.c reads the
 * weight with READ_ONCE() once per poll (patches/0005), this is the matching marked store.
 */
void rust_helper_irq_poll_set_weight(struct irq_poll *iop, int weight)
{
	WRITE_ONCE(iop->weight, weight);
}
