// SPDX-License-Identifier: GPL-2.0

//! GSP-RM's resource manager objects, from the driver's side.
//!
//! With GSP firmware the GPU's resources (VA spaces, channels, engines) are RM objects that the
//! driver allocates by RPC (`GSP_RM_ALLOC`), drives by control calls (`GSP_RM_CONTROL`) and
//! frees (`FREE`), naming them by handles it chooses, in a tree under a client: as nouveau does
//! on r535/r570, one client per device with its device and subdevice ([`Client`]), then a
//! `FERMI_VASPACE_A` per VA space whose page directory the driver hands to RM ([`VaSpace`]).
//! RM answers with an NV status in the reply ([`status`]), which becomes an errno.
//!
//! The payloads are typed structs in the r570 layouts ([`msg`]).

pub(crate) mod msg;
pub(crate) mod status;

mod client;
mod vaspace;

pub(crate) use client::Client;
pub(crate) use vaspace::VaSpace;
