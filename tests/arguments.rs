//! Arguments scsynth ignores, mishandles or crashes on are refused by the client at once with
//! `InvalidArgument`, and the server is untouched: `/b_alloc` with no frames never answers, a
//! buffer number past the count aliases buffer 0 or (at the count) crashes scsynth, negative
//! counts and control indices do nothing.

mod common;

use std::fmt::Debug;

use scserver::{controls, BufferId, BusId, Controls, GroupId, Position};
use scserver::{
    BufferSource, Command, Control, InvalidArgument, Rate, RequestError, Server, ServerError, Value,
};

use common::SYNTHDEFS;

fn server() -> Server {
    common::init_tracing();
    let server = Server::new(common::options());
    server.boot().expect("boot");
    server
}

/// The `InvalidArgument` that `result` must be.
fn invalid<T: Debug>(result: Result<T, ServerError>) -> InvalidArgument {
    match result {
        Err(ServerError::Request(RequestError::InvalidArgument(e))) => e,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

/// The server still answers, from the same process.
fn still_fine(server: &Server, pid: Option<u32>) {
    server.query_status().unwrap();
    assert_eq!(server.pid(), pid);
    assert!(pid.is_some_and(common::alive));
}

fn empty(channels: i32, frames: i32) -> BufferSource {
    BufferSource::Empty { channels, frames }
}

#[test]
fn buffers_without_frames_or_channels_are_refused_at_once() {
    let server = server();
    let pid = server.pid();
    {
        let e = invalid(server.add_buffer(empty(1, 0)));
        assert_eq!(
            (e.command.as_str(), e.argument, e.value.as_str()),
            ("/b_alloc", "frames", "0")
        );
        let e = invalid(server.add_buffer(empty(-1, 512)));
        assert_eq!((e.argument, e.value.as_str()), ("channels", "-1"));
        assert_eq!(
            invalid(server.add_buffer(empty(0, 512))).argument,
            "channels"
        );
        assert_eq!(invalid(server.add_buffer(empty(1, -5))).argument, "frames");
        // scsynth multiplies them in an int: the allocation fails without a reply.
        let e = invalid(server.add_buffer(empty(8, 1 << 29)));
        assert_eq!(e.argument, "frames × channels");
    }
    // A refused file read: a negative start frame would be read from 0 without a word.
    let file = BufferSource::File {
        path: "/nonexistent.wav".into(),
        start_frame: -10,
        frames: 0,
        channels: vec![],
    };
    assert_eq!(invalid(server.add_buffer(file)).argument, "start_frame");

    still_fine(&server, pid);
    let buffer = server.add_buffer(empty(2, 512)).unwrap();
    let info = buffer.query().unwrap();
    assert_eq!((info.frame_count, info.channel_count), (512, 2));
    server.quit().unwrap();
}

#[test]
fn buffer_numbers_past_the_count_neither_crash_scsynth_nor_reallocate_buffer_zero() {
    let server = server();
    let pid = server.pid();
    let count = server.options().buffer_count as i32;
    let b_alloc = |buffer_id| Command::BAlloc {
        buffer_id,
        frames: 100,
        channels: 1,
        completion: vec![],
    };
    // At exactly the count scsynth 3.13 dies of a segmentation fault; past it, and at -1, it
    // allocates buffer 0 and answers `/done /b_alloc <the number asked>`.
    for buffer_id in [count, count + 100, -1] {
        let e = invalid(server.execute(b_alloc(buffer_id)));
        assert_eq!(e.argument, "buffer_id");
        assert_eq!(e.value, buffer_id.to_string());
    }
    let b_gen = Command::BGen {
        buffer_id: count + 100,
        command: "sine1".into(),
        args: vec![Value::Int(7), Value::Float(1.0)],
    };
    assert_eq!(invalid(server.execute(b_gen)).argument, "buffer_id");
    assert_eq!(
        invalid(server.query_buffer(BufferId::new(count))).argument,
        "buffer_id"
    );

    still_fine(&server, pid);
    let zero = server.query_buffer(BufferId::new(0)).unwrap();
    assert_eq!(
        zero.frame_count, 0,
        "buffer 0 was not allocated behind our back"
    );
    server.execute(b_alloc(count - 1)).unwrap();
    assert_eq!(
        server
            .query_buffer(BufferId::new(count - 1))
            .unwrap()
            .frame_count,
        100
    );
    server.quit().unwrap();
}

#[test]
fn node_bus_and_sample_arguments_scsynth_ignores_are_refused() {
    let server = server();
    let pid = server.pid();
    server.load_synthdefs_dir(SYNTHDEFS).unwrap();
    let synth = server
        .add_synth("ref_sine", controls! {}, Position::default())
        .unwrap();

    // scsynth ignores a negative control index and a negative count, without a /fail.
    assert_eq!(
        invalid(synth.set(Controls::new().with(Control::Index(-1), 0.0))).argument,
        "control"
    );
    let fill = Command::NFill {
        node_id: synth.id().get(),
        ranges: vec![(Control::Index(0), -2, 0.0)],
    };
    assert_eq!(invalid(server.execute(fill)).argument, "count");
    // A `/s_getn` count of -1 is answered by a `/n_setn` that claims -1 values.
    let e = invalid(synth.get_range("freq".into(), -1));
    assert_eq!((e.command.as_str(), e.argument), ("/s_getn", "count"));
    // A mapping to a bus the server does not have is ignored.
    let control_buses = server.options().control_bus_channel_count as i32;
    let map = Command::NMap {
        node_id: synth.id().get(),
        maps: vec![(Control::Index(0), control_buses)],
    };
    assert_eq!(invalid(server.execute(map)).argument, "bus");
    let mapped = controls! { 0: BusId::new(Rate::Control, control_buses) };
    assert_eq!(invalid(synth.set(mapped)).argument, "bus mapping");

    // Only synths have negative ids: scsynth dumps nothing for a negative group.
    assert_eq!(
        invalid(server.dump_tree(GroupId::new(-1), false)).argument,
        "group"
    );
    assert_eq!(
        invalid(server.query_tree(GroupId::new(-1), false)).argument,
        "group"
    );

    // Bus counts and ranges.
    let e = invalid(server.add_bus_group(Rate::Control, 0));
    assert_eq!(
        (e.command.as_str(), e.argument, e.value.as_str()),
        ("add_bus_group", "count", "0")
    );
    assert_eq!(
        invalid(server.add_bus_group(Rate::Audio, -3)).argument,
        "count"
    );
    let c_fill = Command::CFill {
        ranges: vec![(0, -4, 1.0)],
    };
    assert_eq!(invalid(server.execute(c_fill)).argument, "count");
    assert_eq!(
        invalid(server.get_bus_range(BusId::new(Rate::Control, control_buses - 2), 10)).argument,
        "bus"
    );

    // Sample ranges: a negative fill count is ignored; a negative start is checkable.
    let buffer = server.add_buffer(empty(1, 16)).unwrap();
    assert_eq!(invalid(buffer.fill(0, -10, 0.5)).argument, "count");
    assert_eq!(invalid(buffer.get_range(-5, 3)).argument, "index");
    assert_eq!(invalid(buffer.set(vec![(-1, 0.5)])).argument, "index");

    // Inside a request context the refusal is at once too, and the context keeps the rest.
    let context = server.bundle();
    let buffer_id = buffer.id().get();
    context
        .command(Command::BSet {
            buffer_id,
            values: vec![(3, 0.75)],
        })
        .unwrap();
    let fill = Command::BFill {
        buffer_id,
        ranges: vec![(0, -1, 0.5)],
    };
    assert_eq!(invalid(context.command(fill)).argument, "count");
    context.close().unwrap();
    assert_eq!(buffer.get(vec![3]).unwrap()[&3], 0.75);

    still_fine(&server, pid);
    synth.set(controls! { amp: 0.0 }).unwrap();
    server.quit().unwrap();
}

#[test]
fn timed_contexts_need_a_finite_time_after_1970() {
    let server = server();
    let pid = server.pid();
    for seconds in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        let e = invalid(server.at(seconds));
        assert_eq!((e.command.as_str(), e.argument), ("at", "seconds"));
    }
    let bus = server.add_bus(Rate::Control).unwrap();
    let context = server.at(0.0).unwrap();
    context.set_bus(&bus, 0.5).unwrap();
    context.close().unwrap();
    server.sync().unwrap();
    assert_eq!(bus.get().unwrap(), 0.5);
    still_fine(&server, pid);
    server.quit().unwrap();
}
