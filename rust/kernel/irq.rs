// SPDX-License-Identifier: GPL-2.0

//! Interrupt request lines and handlers.
