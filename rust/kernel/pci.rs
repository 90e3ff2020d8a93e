// SPDX-License-Identifier: GPL-2.0

//! PCI devices and drivers.
