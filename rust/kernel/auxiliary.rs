// SPDX-License-Identifier: GPL-2.0

//! Auxiliary bus devices and drivers.
