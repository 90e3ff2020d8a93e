// SPDX-License-Identifier: GPL-2.0

//! Generic support for drivers of different buses.
