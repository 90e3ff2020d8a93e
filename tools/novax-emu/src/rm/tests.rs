// SPDX-License-Identifier: MIT OR Apache-2.0

//! The object tree against nouveau's sequence, every status it answers, subtree frees, the
//! limits, and random bytes.

use super::*;

/// nouveau's handles (`rm/handles.h`): client 1, the device, the subdevice, the VA space.
const CLI: u32 = 0xc1d0_0001;
const DEV: u32 = 0xde1d_0000;
const SUB: u32 = 0x5d1d_0000;
const VAS: u32 = 0x90f1_0000;

/// The three levels nouveau hands over (`r535/vmm.c`): PD3 (32 bytes, shift 47), PD2 and PD1
/// (4 KiB, shifts 38 and 29), here in coherent system memory.
const LEVELS: [(u64, u64, u32, u8); 3] = [
    (0x1234_5000, 0x20, aperture::SYS_COH, 0x2f),
    (0x1234_6000, 0x1000, aperture::SYS_COH, 0x26),
    (0x1234_7000, 0x1000, aperture::SYS_COH, 0x1d),
];

/// Runs one RPC that must parse: checks `rpc_result` 0 and that the reply is the request with
/// only the status field changed, and returns that status.
fn call(rm: &mut Rm, function: u32, payload: &[u8]) -> u32 {
    let (rpc_result, reply) = rm.handle(function, payload).expect("an RM function");
    assert_eq!(rpc_result, status::OK, "rpc_result");
    assert_eq!(reply.len(), payload.len());
    let st = reply_status(function, &reply).expect("a status field");
    let off = match function {
        function::GSP_RM_ALLOC => alloc_hdr::STATUS,
        function::GSP_RM_CONTROL => control_hdr::STATUS,
        _ => free_hdr::STATUS,
    };
    assert_eq!(reply[..off], payload[..off]);
    assert_eq!(reply[off + 4..], payload[off + 4..]);
    st
}

fn alloc(
    rm: &mut Rm,
    h_client: u32,
    h_parent: u32,
    h_object: u32,
    h_class: u32,
    params: &[u8],
) -> u32 {
    call(
        rm,
        function::GSP_RM_ALLOC,
        &alloc_payload(h_client, h_parent, h_object, h_class, params),
    )
}

fn control(rm: &mut Rm, h_client: u32, h_object: u32, cmd: u32, params: &[u8]) -> u32 {
    call(
        rm,
        function::GSP_RM_CONTROL,
        &control_payload(h_client, h_object, cmd, params),
    )
}

fn free(rm: &mut Rm, h_root: u32, h_object: u32) -> u32 {
    call(rm, function::FREE, &free_payload(h_root, 0, h_object))
}

fn client(rm: &mut Rm, h: u32) -> u32 {
    alloc(rm, h, h, h, class::ROOT, &root_params(h))
}

fn device(rm: &mut Rm, h_client: u32, h: u32) -> u32 {
    alloc(
        rm,
        h_client,
        h_client,
        h,
        class::DEVICE,
        &device_params(h_client),
    )
}

fn vaspace(rm: &mut Rm, h_client: u32, h_dev: u32, h: u32) -> u32 {
    alloc(
        rm,
        h_client,
        h_dev,
        h,
        class::FERMI_VASPACE_A,
        &vaspace_params(VASPACE_INDEX_GPU_NEW, 0),
    )
}

fn copy_pdes(rm: &mut Rm, h_client: u32, h_vas: u32, params: &[u8]) -> u32 {
    control(
        rm,
        h_client,
        h_vas,
        cmd::VASPACE_COPY_SERVER_RESERVED_PDES,
        params,
    )
}

/// A client with a device, a subdevice and a VA space, nouveau's handles.
fn tree() -> Rm {
    let mut rm = Rm::new();
    assert_eq!(client(&mut rm, CLI), status::OK);
    assert_eq!(device(&mut rm, CLI, DEV), status::OK);
    assert_eq!(
        alloc(
            &mut rm,
            CLI,
            DEV,
            SUB,
            class::SUBDEVICE,
            &subdevice_params(0)
        ),
        status::OK
    );
    assert_eq!(vaspace(&mut rm, CLI, DEV, VAS), status::OK);
    rm
}

#[test]
fn nouveau_sequence() {
    let mut rm = tree();
    assert_eq!(rm.objects(), 4);
    assert_eq!(rm.clients(), 1);
    assert_eq!(rm.class_of(CLI, CLI), Some(class::ROOT));
    assert_eq!(rm.class_of(CLI, DEV), Some(class::DEVICE));
    assert_eq!(rm.class_of(CLI, SUB), Some(class::SUBDEVICE));
    assert_eq!(rm.class_of(CLI, VAS), Some(class::FERMI_VASPACE_A));
    assert!(rm.vaspaces().is_empty(), "no PDB before the copy");

    // nouveau leaves hSubDevice 0 (kvzalloc'd params).
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &LEVELS)),
        status::OK
    );
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS, 0x1234_5000)]);
    let vas = rm.vaspace(CLI, VAS).expect("a VA space");
    assert_eq!(vas.pdb, Some(0x1234_5000));
    let pdes = vas.pdes.as_ref().expect("the copy");
    assert_eq!(pdes.page_size, 1 << 29);
    assert_eq!(pdes.virt_addr_lo, 0x1_0000_0000);
    assert_eq!(pdes.virt_addr_hi, 0x1_1fff_ffff);
    assert_eq!(pdes.levels.len(), 3);
    assert_eq!(
        pdes.levels[2],
        PdeLevel {
            phys_address: 0x1234_7000,
            size: 0x1000,
            aperture: aperture::SYS_COH,
            page_shift: 0x1d
        }
    );

    // nouveau's teardown: the VA space, then the subdevice and device, then the client.
    assert_eq!(free(&mut rm, CLI, VAS), status::OK);
    assert!(rm.vaspaces().is_empty());
    assert_eq!(rm.objects(), 3);
    assert_eq!(free(&mut rm, CLI, SUB), status::OK);
    assert_eq!(free(&mut rm, CLI, DEV), status::OK);
    assert_eq!(free(&mut rm, CLI, CLI), status::OK);
    assert_eq!(rm.objects(), 0);
    assert_eq!(rm.clients(), 0);
    assert!(rm.vaspaces().is_empty());
    assert_eq!(rm.stray_frees(), 0);
}

#[test]
fn freeing_the_client_frees_everything_of_it() {
    let mut rm = tree();
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(SUB, &LEVELS)),
        status::OK
    );
    assert_eq!(free(&mut rm, CLI, CLI), status::OK);
    assert_eq!(rm.objects(), 0);
    assert!(rm.vaspaces().is_empty());
    // The handles are free again.
    assert_eq!(client(&mut rm, CLI), status::OK);
    assert_eq!(device(&mut rm, CLI, DEV), status::OK);
    assert_eq!(rm.objects(), 2);
}

#[test]
fn wire_layout() {
    let a = alloc_payload(1, 2, 3, 0x90f1, &[0xaa; 5]);
    assert_eq!(a.len(), 32 + 5);
    let words: Vec<u32> = (0..8).map(|i| get_u32(&a, 4 * i).unwrap()).collect();
    assert_eq!(words, [1, 2, 3, 0x90f1, 0, 5, 0, 0]);
    assert_eq!(a[32..], [0xaa; 5]);

    let c = control_payload(7, 8, 0x90f1_0106, &[0xbb; 3]);
    assert_eq!(c.len(), 24 + 3);
    let words: Vec<u32> = (0..6).map(|i| get_u32(&c, 4 * i).unwrap()).collect();
    assert_eq!(words, [7, 8, 0x90f1_0106, 0, 3, 0]);

    assert_eq!(
        free_payload(9, 10, 11),
        [9, 0, 0, 0, 10, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0]
    );

    let r = root_params(CLI);
    assert_eq!(r.len(), 120);
    assert_eq!(get_u32(&r, 0), Some(CLI));
    assert_eq!(get_u32(&r, 4), Some(u32::MAX));
    assert!(r[8..].iter().all(|&b| b == 0));

    let d = device_params(CLI);
    assert_eq!(d.len(), 56);
    assert_eq!(get_u32(&d, 0), Some(0));
    assert_eq!(get_u32(&d, 4), Some(CLI));

    assert_eq!(subdevice_params(0x0102_0304), [4, 3, 2, 1]);
    let v = vaspace_params(0, VASPACE_FLAGS_IS_EXTERNALLY_OWNED);
    assert_eq!(v.len(), 48);
    assert_eq!(get_u32(&v, 4), Some(8));

    let p = pdes_params(SUB, &LEVELS);
    assert_eq!(p.len(), 184);
    assert_eq!(get_u32(&p, 0), Some(SUB));
    assert_eq!(get_u32(&p, 4), Some(0));
    assert_eq!(get_u64(&p, 8), Some(0x2000_0000));
    assert_eq!(get_u64(&p, 16), Some(0x1_0000_0000));
    assert_eq!(get_u64(&p, 24), Some(0x1_1fff_ffff));
    assert_eq!(get_u32(&p, 32), Some(3));
    assert_eq!(get_u32(&p, 36), Some(0), "padding after numLevelsToCopy");
    // levels[1] at 40 + 24.
    assert_eq!(get_u64(&p, 64), Some(0x1234_6000));
    assert_eq!(get_u64(&p, 72), Some(0x1000));
    assert_eq!(get_u32(&p, 80), Some(aperture::SYS_COH));
    assert_eq!(p[84], 0x26);
    assert_eq!(p[85..88], [0, 0, 0]);
    assert!(
        p[40 + 3 * 24..].iter().all(|&b| b == 0),
        "levels[3..6] empty"
    );
}

#[test]
fn not_an_rm_function() {
    let mut rm = Rm::new();
    for f in [0, 9, 11, 75, 77, 102, 104, 0xf001] {
        assert_eq!(rm.handle(f, &[0; 64]), None, "function {f}");
    }
    assert_eq!(reply_status(0xf001, &[0; 64]), None);
}

#[test]
fn short_headers_are_rpc_errors() {
    let mut rm = tree();
    let cases = [
        (
            function::GSP_RM_ALLOC,
            alloc_payload(CLI, DEV, 0x99, class::DEVICE, &[]),
        ),
        (function::GSP_RM_CONTROL, control_payload(CLI, VAS, 0, &[])),
        (function::FREE, free_payload(CLI, 0, VAS)),
    ];
    for (f, full) in cases {
        for len in 0..full.len() {
            let short = &full[..len];
            let (rpc_result, reply) = rm.handle(f, short).unwrap();
            assert_eq!(
                rpc_result,
                status::INVALID_ARGUMENT,
                "function {f} len {len}"
            );
            assert_eq!(reply, short, "the request echoed");
        }
    }
    assert_eq!(rm.objects(), 4, "nothing changed");
}

#[test]
fn alloc_class_and_params_size() {
    let mut rm = tree();
    // Unknown class, checked before the params.
    assert_eq!(
        alloc(&mut rm, CLI, DEV, 0x77, 0xc56f, &[0; 8]),
        status::INVALID_CLASS
    );
    assert_eq!(
        alloc(&mut rm, CLI, DEV, 0x77, 0x2081, &[0; 4]),
        status::INVALID_CLASS
    );
    // paramsSize not the class's.
    assert_eq!(
        alloc(&mut rm, CLI, CLI, 0x77, class::DEVICE, &[0; 55]),
        status::INVALID_PARAM_STRUCT
    );
    assert_eq!(
        alloc(&mut rm, CLI, CLI, 0x77, class::DEVICE, &[0; 57]),
        status::INVALID_PARAM_STRUCT
    );
    assert_eq!(
        alloc(&mut rm, CLI, DEV, 0x77, class::SUBDEVICE, &[]),
        status::INVALID_PARAM_STRUCT
    );
    // r535's 108-byte NV0000_ALLOC_PARAMETERS is not r570's.
    assert_eq!(
        alloc(&mut rm, 5, 5, 5, class::ROOT, &root_params(5)[..108]),
        status::INVALID_PARAM_STRUCT
    );
    // paramsSize right but the payload shorter than header + paramsSize.
    let mut p = alloc_payload(CLI, CLI, 0x77, class::DEVICE, &device_params(CLI));
    p.truncate(p.len() - 1);
    assert_eq!(
        call(&mut rm, function::GSP_RM_ALLOC, &p),
        status::INVALID_PARAM_STRUCT
    );
    // paramsSize absurd.
    let mut p = alloc_payload(CLI, CLI, 0x77, class::DEVICE, &device_params(CLI));
    put_u32(&mut p, alloc_hdr::PARAMS_SIZE, u32::MAX);
    assert_eq!(
        call(&mut rm, function::GSP_RM_ALLOC, &p),
        status::INVALID_PARAM_STRUCT
    );
    // Trailing bytes beyond paramsSize are fine (and echoed).
    let mut p = alloc_payload(CLI, CLI, 0x77, class::DEVICE, &device_params(CLI));
    p.extend_from_slice(&[0xee; 8]);
    assert_eq!(call(&mut rm, function::GSP_RM_ALLOC, &p), status::OK);
    assert_eq!(rm.objects(), 5);
}

#[test]
fn alloc_client_rules() {
    let mut rm = Rm::new();
    // Handle 0.
    assert_eq!(client(&mut rm, 0), status::INVALID_OBJECT_HANDLE);
    // hObject not the client's handle.
    assert_eq!(
        alloc(&mut rm, CLI, CLI, CLI + 1, class::ROOT, &root_params(CLI)),
        status::INVALID_OBJECT_HANDLE
    );
    // NV0000_ALLOC_PARAMETERS.hClient not the client's handle.
    assert_eq!(
        alloc(&mut rm, CLI, CLI, CLI, class::ROOT, &root_params(CLI + 1)),
        status::INVALID_OBJECT_HANDLE
    );
    assert_eq!(rm.clients(), 0);
    // hParent is ignored for a client.
    assert_eq!(
        alloc(&mut rm, CLI, 0, CLI, class::ROOT, &root_params(CLI)),
        status::OK
    );
    // The same client twice.
    assert_eq!(client(&mut rm, CLI), status::INSERT_DUPLICATE_NAME);
    assert_eq!(rm.clients(), 1);
    assert_eq!(rm.objects(), 1);
}

#[test]
fn alloc_object_rules() {
    let mut rm = tree();
    // Unknown client.
    assert_eq!(device(&mut rm, CLI + 1, 0x1000), status::INVALID_CLIENT);
    // Handle 0, or the client's own.
    assert_eq!(device(&mut rm, CLI, 0), status::INVALID_OBJECT_HANDLE);
    assert_eq!(device(&mut rm, CLI, CLI), status::INVALID_OBJECT_HANDLE);
    // A handle in use, whatever its class.
    assert_eq!(device(&mut rm, CLI, DEV), status::INSERT_DUPLICATE_NAME);
    assert_eq!(device(&mut rm, CLI, VAS), status::INSERT_DUPLICATE_NAME);
    // A parent that does not exist.
    assert_eq!(
        vaspace(&mut rm, CLI, 0xdead, 0x1000),
        status::OBJECT_NOT_FOUND
    );
    // Parents of the wrong class.
    let sub = subdevice_params(0);
    assert_eq!(
        alloc(&mut rm, CLI, CLI, 0x1000, class::SUBDEVICE, &sub),
        status::INVALID_OBJECT_PARENT
    );
    assert_eq!(
        alloc(&mut rm, CLI, 0, 0x1000, class::SUBDEVICE, &sub),
        status::INVALID_OBJECT_PARENT
    );
    assert_eq!(
        vaspace(&mut rm, CLI, CLI, 0x1000),
        status::INVALID_OBJECT_PARENT
    );
    assert_eq!(
        vaspace(&mut rm, CLI, SUB, 0x1000),
        status::INVALID_OBJECT_PARENT
    );
    assert_eq!(
        vaspace(&mut rm, CLI, VAS, 0x1000),
        status::INVALID_OBJECT_PARENT
    );
    assert_eq!(
        alloc(
            &mut rm,
            CLI,
            DEV,
            0x1000,
            class::DEVICE,
            &device_params(CLI)
        ),
        status::INVALID_OBJECT_PARENT
    );
    // What the emulator does not model: a second GPU, other VA space kinds.
    let mut d = device_params(CLI);
    put_u32(&mut d, nv0080::DEVICE_ID, 1);
    assert_eq!(
        alloc(&mut rm, CLI, CLI, 0x1000, class::DEVICE, &d),
        status::INVALID_ARGUMENT
    );
    assert_eq!(
        alloc(
            &mut rm,
            CLI,
            DEV,
            0x1000,
            class::SUBDEVICE,
            &subdevice_params(1)
        ),
        status::INVALID_ARGUMENT
    );
    assert_eq!(
        alloc(
            &mut rm,
            CLI,
            DEV,
            0x1000,
            class::FERMI_VASPACE_A,
            &vaspace_params(1, 0)
        ),
        status::NOT_SUPPORTED
    );
    assert_eq!(rm.objects(), 4, "nothing allocated");
    // hParent 0 is the client.
    assert_eq!(
        alloc(&mut rm, CLI, 0, 0x1000, class::DEVICE, &device_params(CLI)),
        status::OK
    );
    assert_eq!(vaspace(&mut rm, CLI, 0x1000, 0x1001), status::OK);
    // Another client's namespace is its own: the same handles again.
    assert_eq!(client(&mut rm, 0xc1d0_0002), status::OK);
    assert_eq!(device(&mut rm, 0xc1d0_0002, DEV), status::OK);
    // But not another client's objects as parents.
    assert_eq!(
        vaspace(&mut rm, 0xc1d0_0002, 0x1000, 0x1002),
        status::OBJECT_NOT_FOUND
    );
    assert_eq!(rm.objects(), 8);
}

#[test]
fn control_rules() {
    let mut rm = tree();
    let good = pdes_params(0, &LEVELS);
    let pdes_cmd = cmd::VASPACE_COPY_SERVER_RESERVED_PDES;
    assert_eq!(
        control(&mut rm, CLI + 1, VAS, pdes_cmd, &good),
        status::INVALID_CLIENT
    );
    assert_eq!(
        control(&mut rm, CLI, 0x4242, pdes_cmd, &good),
        status::OBJECT_NOT_FOUND
    );
    // Not a command of the class.
    assert_eq!(
        control(&mut rm, CLI, DEV, pdes_cmd, &good),
        status::NOT_SUPPORTED
    );
    assert_eq!(
        control(&mut rm, CLI, SUB, pdes_cmd, &good),
        status::NOT_SUPPORTED
    );
    assert_eq!(
        control(&mut rm, CLI, CLI, pdes_cmd, &good),
        status::NOT_SUPPORTED
    );
    assert_eq!(
        control(&mut rm, CLI, VAS, 0x90f1_0101, &good),
        status::NOT_SUPPORTED
    );
    assert_eq!(
        control(&mut rm, CLI, SUB, 0x2080_0a9f, &[0; 16]),
        status::NOT_SUPPORTED
    );
    // paramsSize, and a payload shorter than paramsSize.
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &good[..176]),
        status::INVALID_PARAM_STRUCT
    );
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &long),
        status::INVALID_PARAM_STRUCT
    );
    let mut p = control_payload(CLI, VAS, pdes_cmd, &good);
    p.truncate(p.len() - 1);
    assert_eq!(
        call(&mut rm, function::GSP_RM_CONTROL, &p),
        status::INVALID_PARAM_STRUCT
    );
    // GMMU_FMT_MAX_LEVELS levels (Hopper's six-level format) are fine, one more is not.
    let six = [(0x1000, 0x1000, aperture::VIDEO, 56); GMMU_FMT_MAX_LEVELS];
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &six)),
        status::OK
    );
    assert_eq!(
        rm.vaspace(CLI, VAS)
            .unwrap()
            .pdes
            .as_ref()
            .unwrap()
            .levels
            .len(),
        6
    );
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS, 0x1000)]);
    // Too many levels.
    let mut bad = good.clone();
    put_u32(&mut bad, pdes::NUM_LEVELS, 7);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &bad), status::INVALID_ARGUMENT);
    put_u32(&mut bad, pdes::NUM_LEVELS, u32::MAX);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &bad), status::INVALID_ARGUMENT);
    // A page size that is not a power of two.
    let mut bad = good.clone();
    put_u64(&mut bad, pdes::PAGE_SIZE, 0x3000_0000);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &bad), status::INVALID_ARGUMENT);
    put_u64(&mut bad, pdes::PAGE_SIZE, 0);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &bad), status::INVALID_ARGUMENT);
    // hSubDevice naming no subdevice of the client.
    for h in [DEV, VAS, CLI, 0x4242] {
        assert_eq!(
            copy_pdes(&mut rm, CLI, VAS, &pdes_params(h, &LEVELS)),
            status::INVALID_OBJECT,
            "{h:#x}"
        );
    }
    // subDeviceId (hSubDevice 0): 0 or 1 on a one-GPU system.
    let mut bad = good.clone();
    put_u32(&mut bad, pdes::SUB_DEVICE_ID, 2);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &bad), status::INVALID_ARGUMENT);
    assert_eq!(
        rm.vaspaces(),
        vec![(CLI, VAS, 0x1000)],
        "no rejected copy recorded"
    );
    // subDeviceId is ignored once hSubDevice names the subdevice.
    let mut ok = pdes_params(SUB, &LEVELS);
    put_u32(&mut ok, pdes::SUB_DEVICE_ID, 9);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &ok), status::OK);
    let mut ok = good.clone();
    put_u32(&mut ok, pdes::SUB_DEVICE_ID, 1);
    assert_eq!(copy_pdes(&mut rm, CLI, VAS, &ok), status::OK);
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS, 0x1234_5000)]);
}

#[test]
fn copies_that_install_no_root() {
    let mut rm = tree();
    // 0 levels: OK, nothing installed.
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &[])),
        status::OK
    );
    assert!(rm.vaspaces().is_empty());
    assert_eq!(
        rm.vaspace(CLI, VAS).unwrap().pdes.as_ref().unwrap().levels,
        []
    );
    // A level RM cannot install: OK, but the walk from the last level stops there, so level 0
    // is not installed.
    for bad in [aperture::INVALID, aperture::PEER, 5, u32::MAX] {
        for at in 0..LEVELS.len() {
            let mut levels = LEVELS;
            levels[at].2 = bad;
            assert_eq!(
                copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &levels)),
                status::OK
            );
            assert!(rm.vaspaces().is_empty(), "aperture {bad} at level {at}");
        }
    }
    // Video and non-coherent system memory install.
    let mut levels = LEVELS;
    levels[0].2 = aperture::VIDEO;
    levels[1].2 = aperture::SYS_NONCOH;
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &levels)),
        status::OK
    );
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS, 0x1234_5000)]);
    // A later copy that installs no root keeps the PDB; one that does replaces it.
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &[])),
        status::OK
    );
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS, 0x1234_5000)]);
    let mut levels = LEVELS;
    levels[0].0 = 0x9999_0000;
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &levels)),
        status::OK
    );
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS, 0x9999_0000)]);
}

#[test]
fn free_rules() {
    let mut rm = tree();
    assert_eq!(free(&mut rm, CLI + 1, DEV), status::INVALID_CLIENT);
    assert_eq!(free(&mut rm, CLI + 1, CLI + 1), status::INVALID_CLIENT);
    // Unknown handles of a known client: OK, as RM in compatibility mode, and counted.
    assert_eq!(free(&mut rm, CLI, 0x4242), status::OK);
    assert_eq!(free(&mut rm, CLI, 0), status::OK);
    assert_eq!(rm.stray_frees(), 2);
    assert_eq!(rm.objects(), 4);
    // A double free is a stray one.
    assert_eq!(free(&mut rm, CLI, SUB), status::OK);
    assert_eq!(free(&mut rm, CLI, SUB), status::OK);
    assert_eq!(rm.stray_frees(), 3);
    assert_eq!(rm.objects(), 3);
    // hObjectParent is not interpreted.
    assert_eq!(
        call(&mut rm, function::FREE, &free_payload(CLI, 0x1234, VAS)),
        status::OK
    );
    assert_eq!(rm.objects(), 2);
}

#[test]
fn free_takes_the_subtree_only() {
    let mut rm = tree();
    assert_eq!(vaspace(&mut rm, CLI, DEV, VAS + 1), status::OK);
    assert_eq!(device(&mut rm, CLI, DEV + 1), status::OK);
    assert_eq!(vaspace(&mut rm, CLI, DEV + 1, VAS + 2), status::OK);
    assert_eq!(client(&mut rm, 0xc1d0_0002), status::OK);
    assert_eq!(device(&mut rm, 0xc1d0_0002, DEV), status::OK);
    assert_eq!(vaspace(&mut rm, 0xc1d0_0002, DEV, VAS), status::OK);
    for (c, v) in [
        (CLI, VAS),
        (CLI, VAS + 1),
        (CLI, VAS + 2),
        (0xc1d0_0002, VAS),
    ] {
        assert_eq!(
            copy_pdes(&mut rm, c, v, &pdes_params(0, &LEVELS)),
            status::OK
        );
    }
    assert_eq!(rm.objects(), 10);
    assert_eq!(rm.vaspaces().len(), 4);

    // The first device with its subdevice and two VA spaces.
    assert_eq!(free(&mut rm, CLI, DEV), status::OK);
    assert_eq!(rm.objects(), 6);
    for h in [DEV, SUB, VAS, VAS + 1] {
        assert_eq!(rm.class_of(CLI, h), None, "{h:#x}");
    }
    assert_eq!(rm.class_of(CLI, DEV + 1), Some(class::DEVICE));
    assert_eq!(rm.class_of(0xc1d0_0002, DEV), Some(class::DEVICE));
    assert_eq!(
        rm.vaspaces(),
        vec![(CLI, VAS + 2, 0x1234_5000), (0xc1d0_0002, VAS, 0x1234_5000)]
    );
    // A freed handle can be allocated again, under the same or another parent.
    assert_eq!(vaspace(&mut rm, CLI, DEV + 1, VAS), status::OK);
    assert_eq!(
        rm.vaspace(CLI, VAS).unwrap().pdb,
        None,
        "a new VA space knows nothing"
    );
    // Controls on freed objects.
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS + 1, &pdes_params(0, &LEVELS)),
        status::OBJECT_NOT_FOUND
    );
    // The other client.
    assert_eq!(free(&mut rm, 0xc1d0_0002, 0xc1d0_0002), status::OK);
    assert_eq!(rm.objects(), 4);
    assert_eq!(rm.vaspaces(), vec![(CLI, VAS + 2, 0x1234_5000)]);
}

#[test]
fn client_limit() {
    let mut rm = Rm::new();
    for i in 0..MAX_CLIENTS {
        let h = 0xc1d0_0000 | u32::try_from(i).unwrap();
        assert_eq!(client(&mut rm, h), status::OK);
    }
    assert_eq!(client(&mut rm, 0xc1d0_ffff), status::INSUFFICIENT_RESOURCES);
    assert_eq!(rm.clients(), MAX_CLIENTS);
    // A duplicate is still a duplicate at the limit.
    assert_eq!(client(&mut rm, 0xc1d0_0000), status::INSERT_DUPLICATE_NAME);
    assert_eq!(free(&mut rm, 0xc1d0_0003, 0xc1d0_0003), status::OK);
    assert_eq!(client(&mut rm, 0xc1d0_ffff), status::OK);
    assert_eq!(client(&mut rm, 0xc1d0_fffe), status::INSUFFICIENT_RESOURCES);
}

#[test]
fn object_limit() {
    let mut rm = Rm::new();
    assert_eq!(client(&mut rm, CLI), status::OK);
    assert_eq!(client(&mut rm, CLI + 1), status::OK);
    let mut h = 0x1000_0000;
    while rm.objects() < MAX_OBJECTS {
        assert_eq!(device(&mut rm, CLI, h), status::OK);
        h += 1;
    }
    // Any class, any client, a new client too.
    assert_eq!(device(&mut rm, CLI, h), status::INSUFFICIENT_RESOURCES);
    assert_eq!(device(&mut rm, CLI + 1, h), status::INSUFFICIENT_RESOURCES);
    assert_eq!(
        vaspace(&mut rm, CLI, 0x1000_0000, h),
        status::INSUFFICIENT_RESOURCES
    );
    assert_eq!(client(&mut rm, CLI + 2), status::INSUFFICIENT_RESOURCES);
    assert_eq!(rm.objects(), MAX_OBJECTS);
    // Other errors still win over the limit.
    assert_eq!(
        device(&mut rm, CLI, 0x1000_0000),
        status::INSERT_DUPLICATE_NAME
    );
    // Room again after a free.
    assert_eq!(free(&mut rm, CLI, 0x1000_0000), status::OK);
    assert_eq!(device(&mut rm, CLI + 1, h), status::OK);
    assert_eq!(
        device(&mut rm, CLI + 1, h + 1),
        status::INSUFFICIENT_RESOURCES
    );
    // Freeing the client frees its thousands of objects at once.
    assert_eq!(free(&mut rm, CLI, CLI), status::OK);
    assert_eq!(rm.objects(), 2);
}

#[test]
fn reset_forgets_everything() {
    let mut rm = tree();
    assert_eq!(
        copy_pdes(&mut rm, CLI, VAS, &pdes_params(0, &LEVELS)),
        status::OK
    );
    assert_eq!(free(&mut rm, CLI, 0x4242), status::OK);
    rm.reset();
    assert_eq!(rm.objects(), 0);
    assert_eq!(rm.clients(), 0);
    assert_eq!(rm.stray_frees(), 0);
    assert!(rm.vaspaces().is_empty());
    assert_eq!(device(&mut rm, CLI, DEV), status::INVALID_CLIENT);
    assert_eq!(client(&mut rm, CLI), status::OK);
}

#[test]
fn status_names() {
    assert_eq!(status::name(status::OK), "NV_OK");
    assert_eq!(status::name(0x56), "NV_ERR_NOT_SUPPORTED");
    assert_eq!(status::name(0x3a), "NV_ERR_INVALID_PARAM_STRUCT");
    assert_eq!(status::name(0x1234), "unknown");
    // The values nvstatuscodes.h gives.
    let codes = [
        (status::INSERT_DUPLICATE_NAME, 0x19),
        (status::INSUFFICIENT_RESOURCES, 0x1a),
        (status::INVALID_ARGUMENT, 0x1f),
        (status::INVALID_CLASS, 0x22),
        (status::INVALID_CLIENT, 0x23),
        (status::INVALID_COMMAND, 0x24),
        (status::INVALID_OBJECT, 0x31),
        (status::INVALID_OBJECT_HANDLE, 0x33),
        (status::INVALID_OBJECT_PARENT, 0x36),
        (status::INVALID_PARAM_STRUCT, 0x3a),
        (status::NO_MEMORY, 0x51),
        (status::NOT_READY, 0x55),
        (status::NOT_SUPPORTED, 0x56),
        (status::OBJECT_NOT_FOUND, 0x57),
        (status::TIMEOUT_RETRY, 0x66),
    ];
    for (got, want) in codes {
        assert_eq!(got, want);
        assert_ne!(status::name(got), "unknown");
    }
}

use crate::test_rng::Rng;

/// One random RPC: mostly well-formed over a handle pool of `pool` handles (so that trees
/// really grow and shrink), some with random fields, lengths and bytes. `grow` favours
/// allocations and spares the clients.
fn random_rpc(rng: &mut Rng, clients: &[u32], pool: usize, grow: bool) -> (u32, Vec<u8>) {
    let hc = rng.pick(clients);
    let pool = u32::try_from(pool).unwrap();
    let h = |rng: &mut Rng| {
        if rng.chance(16) {
            rng.pick(clients)
        } else {
            1 + u32::try_from(rng.below(usize::try_from(pool).unwrap())).unwrap()
        }
    };
    let classes = [
        class::ROOT,
        class::DEVICE,
        class::DEVICE,
        class::SUBDEVICE,
        class::FERMI_VASPACE_A,
        0xc56f,
    ];
    let kind = if grow {
        rng.pick(&[0, 0, 0, 0, 0, 0, 1, 2, 3])
    } else {
        rng.pick(&[0, 0, 0, 1, 1, 2, 2, 3])
    };
    let (function, mut payload) = match kind {
        0 => {
            let cls = rng.pick(&classes);
            let parent = match rng.below(3) {
                0 => 0,
                1 => hc,
                _ => h(rng),
            };
            let obj = h(rng);
            let params = match cls {
                class::ROOT if rng.chance(8) => root_params(hc ^ 1),
                class::ROOT => root_params(hc),
                class::DEVICE => device_params(hc),
                class::SUBDEVICE => subdevice_params(u32::from(rng.chance(8))),
                class::FERMI_VASPACE_A => vaspace_params(u32::from(rng.chance(8)), rng.u32() & 0xf),
                _ => vec![0; 8],
            };
            if cls == class::ROOT {
                (
                    function::GSP_RM_ALLOC,
                    alloc_payload(hc, hc, hc, cls, &params),
                )
            } else {
                (
                    function::GSP_RM_ALLOC,
                    alloc_payload(hc, parent, obj, cls, &params),
                )
            }
        }
        1 => {
            let n = rng.below(8);
            let levels: Vec<_> = (0..n)
                .map(|_| (rng.next(), rng.next(), rng.u32() % 6, rng.u8() % 64))
                .collect();
            let sub = if rng.chance(2) { 0 } else { h(rng) };
            let cmd = if rng.chance(8) {
                rng.u32()
            } else {
                cmd::VASPACE_COPY_SERVER_RESERVED_PDES
            };
            let obj = h(rng);
            (
                function::GSP_RM_CONTROL,
                control_payload(hc, obj, cmd, &pdes_params(sub, &levels)),
            )
        }
        2 => {
            let old = match (grow, rng.chance(20)) {
                (false, true) => hc,
                // Growing: never the client itself, which would take its objects along.
                (true, _) => 1 + u32::try_from(rng.below(usize::try_from(pool).unwrap())).unwrap(),
                (false, false) => h(rng),
            };
            (function::FREE, free_payload(hc, 0, old))
        }
        _ => {
            let len = rng.below(300);
            let f = rng.pick(&[
                function::GSP_RM_ALLOC,
                function::GSP_RM_CONTROL,
                function::FREE,
            ]);
            (f, (0..len).map(|_| rng.u8()).collect())
        }
    };
    // Damage some: truncate, flip bits, or set a header word to something random.
    match rng.below(8) {
        0 => {
            let keep = rng.below(payload.len() + 1);
            payload.truncate(keep);
        }
        1 if !payload.is_empty() => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(payload.len());
                payload[at] ^= 1 << rng.below(8);
            }
        }
        2 => {
            let at = 4 * rng.below(8);
            let v = rng.u32();
            put_u32(&mut payload, at, v);
        }
        _ => {}
    }
    (function, payload)
}

/// Random RPCs never panic, keep the counts consistent (no orphans, every client with its own
/// object) and within the limits, which they reach.
#[test]
fn random_rpcs_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut rm = Rm::new();
    let clients: Vec<u32> = (0..MAX_CLIENTS + 4)
        .map(|i| 0xc1d0_0000 | u32::try_from(i).unwrap())
        .collect();
    let (mut peak, mut peak_clients, mut oks) = (0, 0, 0u64);
    // Churn over few handles, growth over many (up to the object limit), churn again.
    let phases = [
        (60_000, 64, false),
        (200_000, 12_000, true),
        (60_000, 12_000, false),
    ];
    for (rounds, pool, grow) in phases {
        for _ in 0..rounds {
            let (function, payload) = random_rpc(&mut rng, &clients, pool, grow);
            let (rpc_result, reply) = rm.handle(function, &payload).expect("an RM function");
            assert_eq!(reply.len(), payload.len());
            if rpc_result == status::OK && reply_status(function, &reply) == Some(status::OK) {
                oks += 1;
            }
            assert!(rm.objects() <= MAX_OBJECTS);
            assert!(rm.clients() <= MAX_CLIENTS);
            assert_eq!(
                rm.objects(),
                rm.clients.values().map(|c| c.objects.len()).sum::<usize>()
            );
            peak = peak.max(rm.objects());
            peak_clients = peak_clients.max(rm.clients());
        }
        for (&hc, c) in &rm.clients {
            assert_eq!(
                c.objects.get(&hc).map(|o| o.kind.class()),
                Some(class::ROOT)
            );
            for o in c.objects.values() {
                assert!(
                    o.parent.is_none_or(|p| c.objects.contains_key(&p)),
                    "no orphans"
                );
            }
        }
    }
    assert_eq!(peak, MAX_OBJECTS, "the test reached the object limit");
    assert_eq!(
        peak_clients, MAX_CLIENTS,
        "the test reached the client limit"
    );
    assert!(oks > 10_000, "the test did real work: {oks}");
    for hc in clients {
        let _ = rm.handle(function::FREE, &free_payload(hc, 0, hc));
    }
    assert_eq!(rm.objects(), 0);
}
