// SPDX-License-Identifier: GPL-2.0

//! NAPI-style budgeted polling for non-network devices (`lib/irq_poll.c`).
