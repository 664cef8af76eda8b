//! The command set beyond creating and setting, against a real scsynth: releases that end a
//! synth through its envelope, completion messages, SynthDefs sent on first use, buffer
//! generators, reads and writes, node ranges, ordering, deep frees, permanent groups and bus
//! ranges at an offset. Each checks the server's own answer, not the packet sent.

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scserver::ops::buffer::{BufferCopy, FileRead, FileWrite, GenFlag, GenFlags, Layout, Waveform};
use scserver::ops::completion::OnCompletion;
use scserver::synthdef::ugens::{EnvGen, Out, SinOsc, DC};
use scserver::synthdef::{Env, SynthDef, SynthDefBuilder};
use scserver::{
    controls, BufferId, BufferSource, Command, Control, ControlValue, GroupId, Pattern, Position,
    QueryTreeNode, Rate, RequestError, Server, ServerError, Subscription,
};

fn booted(name: &str) -> Server {
    common::init_tracing();
    let server = Server::with_name(name, common::options());
    server.boot().expect("boot");
    server
}

/// A sine under an envelope that holds while `gate` is open and takes `release` seconds to
/// close, then frees the synth.
fn gated(release: f64) -> SynthDef {
    let b = SynthDefBuilder::new("gated");
    let gate = b.kr("gate", 1.0);
    let env = EnvGen::kr(&b)
        .envelope(Env::asr(0.001, 1.0, release, -4.0))
        .gate(gate)
        .done_action(2.0)
        .finish();
    Out::ar(&b)
        .source(SinOsc::ar(&b).finish() * env * 0.01)
        .finish();
    b.build().expect("a valid graph")
}

/// Three plain controls, `a`, `b`, `c`, and no gate.
fn three() -> SynthDef {
    let b = SynthDefBuilder::new("three");
    let (x, y, z) = (b.kr("a", 0.0), b.kr("b", 0.0), b.kr("c", 0.0));
    Out::kr(&b)
        .source(DC::kr(&b).source(x + y + z).finish())
        .finish();
    b.build().expect("a valid graph")
}

/// The instant each `address` notification of `node` arrives, while the subscription lives.
fn heard(server: &Server, address: &str, node: i32) -> (mpsc::Receiver<Instant>, Subscription) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let subscription = server.register_osc_callback(Pattern::new(address).arg(node), move |_| {
        let _ = tx.lock().unwrap().send(Instant::now());
    });
    (rx, subscription)
}

#[test]
fn release_ends_a_synth_through_its_envelope() {
    let server = booted("release");
    let def = gated(0.4);
    let synth = server
        .add_synth(&def, controls! {}, Position::default())
        .unwrap();
    let (ended, _heard) = heard(&server, "/n_end", synth.id().get());
    let released = Instant::now();
    synth.release(None).unwrap();
    // Still sounding: the envelope is releasing, not the node freed.
    server
        .query_node(synth.id())
        .expect("still there right after the release");
    let end = ended.recv_timeout(Duration::from_secs(5)).expect("/n_end");
    let took = end - released;
    assert!(
        took >= Duration::from_millis(300),
        "ended after {took:?}, before its release"
    );

    // A forced release time overrides the envelope's: -1 - 0.05 closes it in 50 ms.
    let slow = gated(3.0);
    let synth = server
        .add_synth(&slow, controls! {}, Position::default())
        .unwrap();
    let (ended, _heard) = heard(&server, "/n_end", synth.id().get());
    let released = Instant::now();
    synth.release(Some(Duration::from_millis(50))).unwrap();
    let took = ended.recv_timeout(Duration::from_secs(5)).expect("/n_end") - released;
    assert!(
        took < Duration::from_secs(2),
        "the 3 s release ran: {took:?}"
    );

    // No gate: the synth is freed.
    let plain = server
        .add_synth(&three(), controls! {}, Position::default())
        .unwrap();
    let (ended, _heard) = heard(&server, "/n_end", plain.id().get());
    plain.release(Some(Duration::from_secs(10))).unwrap();
    ended
        .recv_timeout(Duration::from_secs(2))
        .expect("freed at once");
    server.quit().unwrap();
}

#[test]
fn a_synthdef_value_is_sent_on_first_use_only() {
    let server = booted("first_use");
    let received = Arc::new(Mutex::new(0));
    let count = received.clone();
    let _counting = server.register_osc_callback(Pattern::new("/done").arg("/d_recv"), move |_| {
        *count.lock().unwrap() += 1
    });
    let def = gated(0.1);
    let first = server
        .add_synth(&def, controls! {}, Position::default())
        .unwrap();
    let second = server
        .add_synth(&def, controls! {}, Position::default())
        .unwrap();
    server.sync().unwrap();
    assert_eq!(*received.lock().unwrap(), 1, "sent once");
    for synth in [&first, &second] {
        server.query_node(synth.id()).expect("both run");
    }
    // A reboot loses it: the next use sends it again.
    server.reboot().unwrap();
    let again = server
        .add_synth(&def, controls! {}, Position::default())
        .unwrap();
    server
        .query_node(again.id())
        .expect("runs after the reboot");
    // The /done may reach the callback after the awaited call returned: a sync orders them.
    server.sync().unwrap();
    assert_eq!(*received.lock().unwrap(), 2);
    // So does /d_freeAll.
    server.free_all_synthdefs().unwrap();
    server
        .add_synth(&def, controls! {}, Position::default())
        .unwrap();
    server.sync().unwrap();
    assert_eq!(*received.lock().unwrap(), 3);
    let error = server
        .add_synth("three", controls! {}, Position::default())
        .unwrap_err();
    assert!(
        matches!(error, ServerError::Request(RequestError::Failed { .. })),
        "{error}"
    );
    server.quit().unwrap();
}

#[test]
fn completion_messages_run_when_the_command_finishes() {
    let server = booted("completion");
    // /b_alloc with a /b_fill of the new buffer: filled by the time /done comes.
    let fill = |buffer: BufferId| Command::BFill {
        buffer_id: buffer.get(),
        ranges: vec![(0, 4, 0.25)],
    };
    let source = BufferSource::Empty {
        channels: 1,
        frames: 4,
    }
    .on_completion(fill);
    let buffer = server.add_buffer(source).unwrap();
    assert_eq!(buffer.get_range(0, 4).unwrap(), vec![0.25; 4]);
    // /b_read with a /b_gen normalize after it.
    let path = std::env::temp_dir().join(format!("scserver-completion-{}.wav", std::process::id()));
    buffer.set_range(0, vec![0.1, -0.2, 0.05, 0.0]).unwrap();
    buffer
        .write(FileWrite::new(path.display().to_string()))
        .unwrap();
    let target = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 4,
        })
        .unwrap();
    let normalize =
        scserver::ops::buffer::normalize(target.id().get(), 1.0, Layout::Signal).unwrap();
    target
        .read(FileRead::new(path.display().to_string()).on_completion(normalize))
        .unwrap();
    // The normalize itself answers with its own /done; a sync waits for it.
    server.sync().unwrap();
    let values = target.get_range(0, 4).unwrap();
    assert_eq!(values, vec![0.5, -1.0, 0.25, 0.0]);
    std::fs::remove_file(path).ok();
    server.quit().unwrap();
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-4)
}

#[test]
fn buffers_generate_normalize_copy_and_read_back() {
    let server = booted("buffer_gen");
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 8,
        })
        .unwrap();
    let sine = Waveform::Sine1 {
        amplitudes: vec![1.0],
    };
    buffer.generate(&sine, GenFlag::Clear.into()).unwrap();
    let h = std::f32::consts::FRAC_1_SQRT_2;
    let one_cycle = [0.0, h, 1.0, h, 0.0, -h, -1.0, -h];
    assert!(
        close(&buffer.get_range(0, 8).unwrap(), &one_cycle),
        "one cycle of a sine"
    );
    // Added to what is there, then scaled back to a peak of 1.
    buffer
        .generate(&sine, GenFlag::Normalize | GenFlag::Clear)
        .unwrap();
    buffer.generate(&sine, GenFlags::NONE).unwrap();
    let doubled: Vec<f32> = one_cycle.iter().map(|v| v * 2.0).collect();
    assert!(close(&buffer.get_range(0, 8).unwrap(), &doubled));
    buffer.normalize(0.5, Layout::Signal).unwrap();
    let half: Vec<f32> = one_cycle.iter().map(|v| v * 0.5).collect();
    assert!(close(&buffer.get_range(0, 8).unwrap(), &half));
    // Frames 2..6 of it into frame 1 of another.
    let copy = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 8,
        })
        .unwrap();
    copy.copy_from(BufferCopy {
        source: buffer.id(),
        source_frame: 2,
        target_frame: 1,
        frames: Some(4),
    })
    .unwrap();
    let mut expected = vec![0.0; 8];
    expected[1..5].copy_from_slice(&half[2..6]);
    assert!(close(&copy.get_range(0, 8).unwrap(), &expected));
    // Chebyshev polynomial 1 is the identity ramp from -1 to 1.
    let cheby = Waveform::Cheby {
        amplitudes: vec![1.0],
    };
    copy.generate(&cheby, GenFlag::Clear.into()).unwrap();
    let ramp = copy.get_range(0, 8).unwrap();
    assert!(ramp.windows(2).all(|w| w[0] < w[1]), "{ramp:?}");
    // Bad arguments never leave the client.
    let error = buffer
        .generate(&Waveform::Sine2 { partials: vec![] }, GenFlags::NONE)
        .unwrap_err();
    assert!(
        matches!(
            error,
            ServerError::Request(RequestError::InvalidArgument(_))
        ),
        "{error}"
    );
    server.quit().unwrap();
}

#[test]
fn reads_and_writes_take_frames_offsets_and_channels() {
    let server = booted("buffer_io");
    let path = std::env::temp_dir()
        .join(format!("scserver-io-{}.wav", std::process::id()))
        .display()
        .to_string();
    let source = server
        .add_buffer(BufferSource::Empty {
            channels: 2,
            frames: 8,
        })
        .unwrap();
    let samples: Vec<f32> = (0..16).map(|i| i as f32 / 16.0).collect();
    source.set_range(0, samples.clone()).unwrap();
    // Frames 2..6 only.
    source
        .write(FileWrite::new(&path).frames(4).start_frame(2))
        .unwrap();
    let target = server
        .add_buffer(BufferSource::Empty {
            channels: 2,
            frames: 8,
        })
        .unwrap();
    // File frames 1..3 into buffer frame 5.
    target
        .read(FileRead::new(&path).file_start(1).frames(2).buffer_start(5))
        .unwrap();
    let mut expected = vec![0.0; 16];
    expected[10..14].copy_from_slice(&samples[6..10]);
    assert!(close(&target.get_range(0, 16).unwrap(), &expected));
    // One channel of the file into a mono buffer.
    let mono = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 4,
        })
        .unwrap();
    mono.read(FileRead::new(&path).channels(vec![1])).unwrap();
    let right: Vec<f32> = (2..6).map(|frame| samples[frame * 2 + 1]).collect();
    assert!(close(&mono.get_range(0, 4).unwrap(), &right));
    // A file left open is closed by /b_close.
    target.read(FileRead::new(&path).leave_open()).unwrap();
    target.close().unwrap();
    let missing = mono
        .read(FileRead::new("/nonexistent/scserver.wav"))
        .unwrap_err();
    assert!(
        matches!(missing, ServerError::Request(RequestError::Failed { .. })),
        "{missing}"
    );
    std::fs::remove_file(&path).ok();
    server.quit().unwrap();
}

#[test]
fn buffer_groups_are_consecutive() {
    let server = booted("buffer_group");
    let group = server.add_buffer_group(3, 1, 16).unwrap();
    let ids: Vec<i32> = group.buffers().iter().map(|b| b.id().get()).collect();
    assert_eq!(ids, [0, 1, 2].map(|i| group.id().get() + i));
    for buffer in group.buffers() {
        assert_eq!(buffer.query().unwrap().frame_count, 16);
    }
    group.free().unwrap();
    assert_eq!(group.buffer(0).unwrap().query().unwrap().frame_count, 0);
    server.quit().unwrap();
}

fn child_ids(server: &Server, group: GroupId) -> Vec<i32> {
    let tree = server.query_tree(group, false).unwrap();
    tree.children.iter().map(|n| n.node_id().get()).collect()
}

#[test]
fn nodes_order_deep_free_trace_and_know_their_parentage() {
    let server = booted("nodes");
    let default = server.default_group().unwrap();
    let [a, b, c] = [0, 1, 2].map(|_| server.add_group(Position::tail(default)).unwrap());
    server
        .order_nodes(vec![c.id().into(), a.id().into()], Position::head(default))
        .unwrap();
    assert_eq!(
        child_ids(&server, default),
        [c.id().get(), a.id().get(), b.id().get()]
    );
    let def = three();
    server.add_synthdefs(std::slice::from_ref(&def)).unwrap();
    let inner = server
        .add_synth(&def, controls! {}, Position::head(&a))
        .unwrap();
    let nested = server.add_group(Position::tail(&a)).unwrap();
    let deep = server
        .add_synth(&def, controls! {}, Position::head(&nested))
        .unwrap();
    assert_eq!(
        deep.parentage(),
        [nested.id(), a.id(), default, GroupId::ROOT]
    );
    deep.trace().unwrap();
    a.deep_free().unwrap();
    server.sync().unwrap();
    assert_eq!(
        child_ids(&server, a.id()),
        [nested.id().get()],
        "groups stay"
    );
    assert!(child_ids(&server, nested.id()).is_empty(), "synths go");
    assert!(server.query_node(inner.id()).is_err());
    let replace = server.order_nodes(vec![b.id().into()], Position::replace(&c));
    assert!(matches!(
        replace,
        Err(ServerError::Request(RequestError::InvalidArgument(_)))
    ));
    server.quit().unwrap();
}

#[test]
fn synth_control_ranges_set_map_and_unmap() {
    let server = booted("ranges");
    let synth = server
        .add_synth(&three(), controls! {}, Position::default())
        .unwrap();
    // By index a range spans consecutive controls (by name, only that control's channels).
    let first = Control::Index(0);
    synth.set_range(first.clone(), vec![1.0, 2.0, 3.0]).unwrap();
    // /s_getn reads the controls' own values; the tree shows what they are mapped to.
    let shown = |synth: &scserver::Synth<Server>| -> Vec<String> {
        let tree = server.query_tree(GroupId::ROOT, true).unwrap();
        let Some(QueryTreeNode::Synth(shown)) = tree.find(synth.id()) else {
            panic!("{} is not in {tree}", synth.id())
        };
        shown
            .controls
            .iter()
            .map(|c| match &c.value {
                ControlValue::Float(f) => f.to_string(),
                ControlValue::Bus(bus) => bus.to_string(),
            })
            .collect()
    };
    assert_eq!(shown(&synth), ["1", "2", "3"]);
    let buses = server.add_bus_group(Rate::Control, 2).unwrap();
    let (b, c) = (buses.index(), buses.index() + 1);
    synth.map_range(Control::Index(1), &buses).unwrap();
    assert_eq!(
        shown(&synth),
        ["1".to_owned(), format!("c{b}"), format!("c{c}")]
    );
    synth.unmap(vec![Control::Index(1)]).unwrap();
    assert_eq!(
        shown(&synth),
        ["1".to_owned(), "2".to_owned(), format!("c{c}")]
    );
    synth.map_range(Control::Index(1), &buses).unwrap();
    synth.unmap_range(Control::Index(1), 2).unwrap();
    assert_eq!(shown(&synth), ["1", "2", "3"]);
    server.quit().unwrap();
}

#[test]
fn bus_groups_set_and_fill_from_an_offset() {
    let server = booted("bus_ranges");
    let buses = server.add_bus_group(Rate::Control, 8).unwrap();
    buses.fill(0.0).unwrap();
    buses.fill_range(2, 3, 0.5).unwrap();
    buses.set_range(6, vec![1.0, 2.0]).unwrap();
    assert_eq!(
        buses.get().unwrap(),
        vec![0.0, 0.0, 0.5, 0.5, 0.5, 0.0, 1.0, 2.0]
    );
    let past = buses.set_range(7, vec![1.0, 2.0]).unwrap_err();
    assert!(
        matches!(past, ServerError::Request(RequestError::InvalidArgument(_))),
        "{past}"
    );
    server.quit().unwrap();
}

#[test]
fn a_reset_keeps_permanent_groups() {
    let server = booted("permanent");
    let default = server.default_group().unwrap();
    let kept = server.add_permanent_group(Position::tail(default)).unwrap();
    let inner = server.add_permanent_group(Position::head(&kept)).unwrap();
    let temporary = server.add_group(Position::tail(default)).unwrap();
    server.reset().unwrap();
    assert_eq!(child_ids(&server, default), [kept.id().get()]);
    assert_eq!(child_ids(&server, kept.id()), [inner.id().get()]);
    assert!(server.query_node(temporary.id()).is_err());
    assert!(kept.exists(), "the mirror has it again");
    server.quit().unwrap();
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn clear_schedule_drops_bundles_not_yet_due() {
    let server = booted("clear_schedule");
    server.set_latency(Duration::ZERO);
    let now = unix_now();
    let dropped = {
        let context = server.at(now + 0.3).unwrap();
        let group = context.add_group(Position::default()).unwrap();
        context.close().unwrap();
        group
    };
    server.clear_schedule().unwrap();
    let marker = {
        let context = server.at(now + 0.5).unwrap();
        let group = context.add_group(Position::default()).unwrap();
        let (go, _heard) = heard(&server, "/n_go", group.id().get());
        context.close().unwrap();
        go.recv_timeout(Duration::from_secs(5))
            .expect("the later bundle runs");
        group
    };
    assert!(server.query_node(marker.id()).is_ok());
    assert!(
        server.query_node(dropped.id()).is_err(),
        "the cleared bundle never ran"
    );
    server.quit().unwrap();
}

#[test]
fn a_request_context_sends_the_same_commands_in_one_bundle() {
    let server = booted("deferred");
    let def = gated(0.05);
    let buffer = server
        .add_buffer(BufferSource::Empty {
            channels: 1,
            frames: 8,
        })
        .unwrap();
    let buses = server.add_bus_group(Rate::Control, 4).unwrap();
    let group = server.add_group(Position::default()).unwrap();
    // Loaded first: a definition carried along would start its synth only once loaded, after
    // the bundle's other commands.
    server.add_synthdefs(std::slice::from_ref(&def)).unwrap();
    let context = server.bundle();
    let synth = context
        .add_synth(&def, controls! {}, Position::head(&group))
        .unwrap();
    let other = context.add_group(Position::tail(&group)).unwrap();
    context
        .set_range(synth.id(), Control::Index(0), vec![1.0])
        .unwrap();
    context
        .order_nodes(vec![other.id().into()], Position::head(&group))
        .unwrap();
    context
        .generate(
            &buffer,
            &Waveform::Sine1 {
                amplitudes: vec![1.0],
            },
            GenFlag::Clear.into(),
        )
        .unwrap();
    context.normalize(&buffer, 0.5, Layout::Signal).unwrap();
    context.fill_bus_range(&buses, 1, 2, 0.25).unwrap();
    context.trace(synth.id()).unwrap();
    let packet = context.close().unwrap().expect("one packet");
    assert!(matches!(packet, scserver::osc::OscPacket::Bundle(_)));
    server.sync().unwrap();
    assert_eq!(
        child_ids(&server, group.id()),
        [other.id().get(), synth.id().get()]
    );
    let peak = buffer
        .get_range(0, 8)
        .unwrap()
        .into_iter()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((peak - 0.5).abs() < 1e-4, "normalized to {peak}");
    assert_eq!(buses.get().unwrap(), vec![0.0, 0.25, 0.25, 0.0]);
    // Deferred releases and deep frees too.
    let (ended, _heard) = heard(&server, "/n_end", synth.id().get());
    let context = server.bundle();
    context.release(&synth, None).unwrap();
    context.close().unwrap();
    ended
        .recv_timeout(Duration::from_secs(5))
        .expect("released");
    let context = server.bundle();
    context.deep_free(group.id()).unwrap();
    context.close().unwrap();
    server.sync().unwrap();
    assert_eq!(child_ids(&server, group.id()), [other.id().get()]);
    server.quit().unwrap();
}
