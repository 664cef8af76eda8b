//! Id allocators for one client of a server: node ids, bus and buffer ranges, sync ids.
//!
//! Several clients can share one server (`maximum_logins` > 1); each one's ids come from its own
//! slice, decided by the client id the server gave it at `/notify`, so clients never collide
//! without talking to each other.

use crate::options::Options;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Node ids and sync ids carry the client id above this many bits.
const CLIENT_SHIFT: u32 = 26;
/// The largest id within one client's space.
const LOCAL_MASK: i32 = (1 << CLIENT_SHIFT) - 1;
/// The largest client id that fits above the 26 local bits of a positive `i32`.
const MAX_CLIENT_ID: i32 = 31;

fn client_base(client_id: i32) -> i32 {
    assert!(
        (0..=MAX_CLIENT_ID).contains(&client_id),
        "client id {client_id} is outside 0..=31"
    );
    client_id << CLIENT_SHIFT
}

/// Why allocators cannot be made for a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllocError {
    /// The client id does not fit in node ids.
    #[error(
        "client id {0} is outside 0..=31: node ids hold the client id in 5 bits; lower the \
         server's maximum_logins"
    )]
    ClientIdOutOfRange(i32),
    /// The server reported zero logins.
    #[error("maximum_logins is 0: at least one login is needed to partition ids")]
    NoLogins,
    /// The client id is not one of the server's logins.
    #[error(
        "client id {client_id} is not below maximum_logins {max_logins}: use the maximum_logins \
         the server reported in /done /notify"
    )]
    ClientIdNotBelowLogins {
        /// The client id from `/notify`.
        client_id: i32,
        /// The number of logins used to partition.
        max_logins: u32,
    },
    /// The first temporary node id leaves no room or does not fit in 26 bits.
    #[error(
        "initial_node_id {0} must be between 1 and 67108863 so that node ids fit below the \
         client id bits"
    )]
    InitialNodeId(i32),
}

/// Node ids for one client: temporary ids counting up from `initial_node_id`, permanent ids
/// counting up from 1, both OR-ed with `client_id << 26`.
///
/// Every id handed out stays in use until [`free`](Self::free)d (normally on `/n_end`), and an id
/// in use is never handed out again.
#[derive(Debug, Clone)]
pub struct NodeIdAllocator {
    base: i32,
    initial_node_id: i32,
    next_temporary: i32,
    next_permanent: i32,
    freed_permanent: BTreeSet<i32>,
    in_use: HashSet<i32>,
}

impl NodeIdAllocator {
    /// Allocator for `client_id`'s node ids; `initial_node_id` is clamped into 1..=67108863.
    ///
    /// # Panics
    /// If `client_id` is outside 0..=31 (see [`ClientAllocators::new`] for a checked constructor).
    pub fn new(client_id: i32, initial_node_id: i32) -> Self {
        let initial_node_id = initial_node_id.clamp(1, LOCAL_MASK);
        NodeIdAllocator {
            base: client_base(client_id),
            initial_node_id,
            next_temporary: initial_node_id,
            next_permanent: 1,
            freed_permanent: BTreeSet::new(),
            in_use: HashSet::new(),
        }
    }

    /// A temporary node id, counting up from `initial_node_id` and wrapping back to it after
    /// 67108863, skipping ids still in use; `None` when every one is in use.
    pub fn allocate(&mut self) -> Option<i32> {
        let span = LOCAL_MASK - self.initial_node_id + 1;
        for _ in 0..span {
            let local = self.next_temporary;
            self.next_temporary = if local == LOCAL_MASK {
                self.initial_node_id
            } else {
                local + 1
            };
            let id = self.base | local;
            if self.in_use.insert(id) {
                return Some(id);
            }
        }
        None
    }

    /// A permanent node id: the smallest freed one, else the next of 1, 2, 3, … below
    /// `initial_node_id`.
    ///
    /// When all ids below `initial_node_id` are in use this falls back to a temporary id, which is
    /// just as unique; raise `initial_node_id` to keep more permanent ids. `None` when no id at
    /// all is free.
    pub fn allocate_permanent(&mut self) -> Option<i32> {
        while let Some(local) = self.freed_permanent.pop_first() {
            let id = self.base | local;
            if self.in_use.insert(id) {
                return Some(id);
            }
        }
        while self.next_permanent < self.initial_node_id {
            let id = self.base | self.next_permanent;
            self.next_permanent += 1;
            if self.in_use.insert(id) {
                return Some(id);
            }
        }
        self.allocate()
    }

    /// Marks `id` as in use without handing it out, e.g. for groups another party created.
    /// Returns false when it was in use already or belongs to another client.
    pub fn reserve(&mut self, id: i32) -> bool {
        self.owns(id) && (id & LOCAL_MASK) != 0 && self.in_use.insert(id)
    }

    /// Makes `id` available again; unknown ids and other clients' ids are ignored.
    pub fn free(&mut self, id: i32) {
        if !self.owns(id) || !self.in_use.remove(&id) {
            return;
        }
        let local = id & LOCAL_MASK;
        if local < self.initial_node_id && local < self.next_permanent {
            self.freed_permanent.insert(local);
        }
    }

    /// Whether `id` is currently in use.
    pub fn contains(&self, id: i32) -> bool {
        self.in_use.contains(&id)
    }

    /// How many ids are in use.
    pub fn in_use(&self) -> usize {
        self.in_use.len()
    }

    /// Forgets every id in use and starts counting afresh.
    pub fn reset(&mut self) {
        self.next_temporary = self.initial_node_id;
        self.next_permanent = 1;
        self.freed_permanent.clear();
        self.in_use.clear();
    }

    fn owns(&self, id: i32) -> bool {
        id >= 0 && (id & !LOCAL_MASK) == self.base
    }
}

/// Contiguous ranges (bus groups, buffer groups) from `[start, start + len)`, first fit.
#[derive(Debug, Clone)]
pub struct BlockAllocator {
    start: i32,
    len: i32,
    /// Free ranges, start → length, never adjacent to each other.
    free: BTreeMap<i32, i32>,
    /// Handed-out blocks, start → length.
    used: BTreeMap<i32, i32>,
}

impl BlockAllocator {
    /// Allocator over `[start, start + len)`; a negative `len` counts as 0 and the end is capped
    /// at `i32::MAX`.
    pub fn new(start: i32, len: i32) -> Self {
        let len = len.clamp(0, i32::MAX - start.max(0));
        let mut allocator = BlockAllocator {
            start,
            len,
            free: BTreeMap::new(),
            used: BTreeMap::new(),
        };
        allocator.reset();
        allocator
    }

    /// The first id of the range.
    pub fn start(&self) -> i32 {
        self.start
    }

    /// The size of the range.
    pub fn len(&self) -> i32 {
        self.len
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The start of the first free block of `count` ids, or `None` when `count` is not positive
    /// or no free block is that large.
    pub fn allocate(&mut self, count: i32) -> Option<i32> {
        if count <= 0 {
            return None;
        }
        let (&start, &len) = self.free.iter().find(|(_, &len)| len >= count)?;
        self.free.remove(&start);
        if len > count {
            self.free.insert(start + count, len - count);
        }
        self.used.insert(start, count);
        Some(start)
    }

    /// Takes back the whole block starting at `start`; false when no block starts there.
    pub fn free(&mut self, start: i32) -> bool {
        let Some(mut len) = self.used.remove(&start) else {
            return false;
        };
        let mut start = start;
        if let Some((&before, &before_len)) = self.free.range(..start).next_back() {
            if before + before_len == start {
                self.free.remove(&before);
                start = before;
                len += before_len;
            }
        }
        if let Some(after_len) = self.free.remove(&(start + len)) {
            len += after_len;
        }
        self.free.insert(start, len);
        true
    }

    /// The length of the block starting at `start`, if one is handed out there.
    pub fn block_len(&self, start: i32) -> Option<i32> {
        self.used.get(&start).copied()
    }

    /// How many ids are free in total (not necessarily contiguous).
    pub fn free_count(&self) -> i32 {
        self.free.values().sum()
    }

    /// Takes back every block.
    pub fn reset(&mut self) {
        self.used.clear();
        self.free.clear();
        if self.len > 0 {
            self.free.insert(self.start, self.len);
        }
    }
}

/// Ids for `/sync` from `[client_id << 26, (client_id + 1) << 26)`, wrapping inside the range.
#[derive(Debug, Clone)]
pub struct SyncIdAllocator {
    base: i32,
    next: i32,
}

impl SyncIdAllocator {
    /// Sync ids for `client_id`.
    ///
    /// # Panics
    /// If `client_id` is outside 0..=31.
    pub fn new(client_id: i32) -> Self {
        SyncIdAllocator {
            base: client_base(client_id),
            next: 0,
        }
    }

    /// The next sync id.
    #[allow(clippy::should_implement_trait)] // never exhausted, so not an Iterator
    pub fn next(&mut self) -> i32 {
        let id = self.base | self.next;
        self.next = (self.next + 1) & LOCAL_MASK;
        id
    }

    /// Starts again from the first id of the range.
    pub fn reset(&mut self) {
        self.next = 0;
    }
}

/// All of one client's allocators, partitioned by client id.
#[derive(Debug, Clone)]
pub struct ClientAllocators {
    /// The client id the server assigned.
    pub client_id: i32,
    /// The number of logins the ranges are divided by.
    pub max_logins: u32,
    /// Node ids.
    pub nodes: NodeIdAllocator,
    /// This client's slice of the private audio buses.
    pub audio_buses: BlockAllocator,
    /// This client's slice of the control buses.
    pub control_buses: BlockAllocator,
    /// This client's slice of the buffers.
    pub buffers: BlockAllocator,
    /// Ids for `/sync`.
    pub sync_ids: SyncIdAllocator,
}

impl ClientAllocators {
    /// Allocators for `client_id` out of `max_logins` clients.
    ///
    /// `max_logins` should be what `/done /notify` reported: scsynth rounds `-l` up to a power of
    /// two, and every client must divide by the same number. The default groups (ids
    /// 1..=max_logins, made by the server's owner) are never handed out as permanent ids.
    pub fn new(client_id: i32, max_logins: u32, options: &Options) -> Result<Self, AllocError> {
        if !(0..=MAX_CLIENT_ID).contains(&client_id) {
            return Err(AllocError::ClientIdOutOfRange(client_id));
        }
        if max_logins == 0 {
            return Err(AllocError::NoLogins);
        }
        if i64::from(client_id) >= i64::from(max_logins) {
            return Err(AllocError::ClientIdNotBelowLogins {
                client_id,
                max_logins,
            });
        }
        if !(1..=LOCAL_MASK).contains(&options.initial_node_id) {
            return Err(AllocError::InitialNodeId(options.initial_node_id));
        }

        let logins = i64::from(max_logins);
        let slice = |first: i64, total: i64| {
            let per_client = total.max(0) / logins;
            let start = first + i64::from(client_id) * per_client;
            // Both fit: they are parts of u32 counts no larger than the totals.
            BlockAllocator::new(
                i32::try_from(start).unwrap_or(i32::MAX),
                i32::try_from(per_client).unwrap_or(i32::MAX),
            )
        };
        let inputs = i64::from(options.input_bus_channel_count);
        let outputs = i64::from(options.output_bus_channel_count);
        let audio = i64::from(options.audio_bus_channel_count);

        let mut allocators = ClientAllocators {
            client_id,
            max_logins,
            nodes: NodeIdAllocator::new(client_id, options.initial_node_id),
            audio_buses: slice(inputs + outputs, audio - inputs - outputs),
            control_buses: slice(0, i64::from(options.control_bus_channel_count)),
            buffers: slice(0, i64::from(options.buffer_count)),
            sync_ids: SyncIdAllocator::new(client_id),
        };
        allocators.reserve_default_groups();
        Ok(allocators)
    }

    /// This client's default group: `client_id + 1`.
    pub fn default_group(&self) -> i32 {
        self.client_id + 1
    }

    /// Takes back every id, as after a server reset.
    pub fn reset(&mut self) {
        self.nodes.reset();
        self.audio_buses.reset();
        self.control_buses.reset();
        self.buffers.reset();
        self.sync_ids.reset();
        self.reserve_default_groups();
    }

    fn reserve_default_groups(&mut self) {
        // Only client 0's id space contains the unmasked ids 1..=max_logins; for the others
        // `reserve` declines them.
        let last = i32::try_from(self.max_logins).unwrap_or(i32::MAX);
        for group in 1..=last {
            self.nodes.reserve(group);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn two_clients() -> (ClientAllocators, ClientAllocators) {
        let options = Options {
            maximum_logins: 2,
            ..Options::default()
        };
        (
            ClientAllocators::new(0, 2, &options).unwrap(),
            ClientAllocators::new(1, 2, &options).unwrap(),
        )
    }

    #[test]
    fn temporary_ids_count_up_with_the_client_mask() {
        let mut zero = NodeIdAllocator::new(0, 1000);
        assert_eq!(
            [zero.allocate().unwrap(), zero.allocate().unwrap()],
            [1000, 1001]
        );
        let mut three = NodeIdAllocator::new(3, 1000);
        assert_eq!(three.allocate().unwrap(), (3 << 26) | 1000);
        let mut last = NodeIdAllocator::new(31, 1000);
        assert_eq!(last.allocate().unwrap(), (31 << 26) | 1000);
        assert!(last.allocate().unwrap() > 0);
    }

    #[test]
    fn permanent_ids_count_from_one_and_are_reused() {
        let mut nodes = NodeIdAllocator::new(1, 1000);
        let base = 1 << 26;
        assert_eq!(nodes.allocate_permanent().unwrap(), base | 1);
        assert_eq!(nodes.allocate_permanent().unwrap(), base | 2);
        assert_eq!(nodes.allocate_permanent().unwrap(), base | 3);
        nodes.free(base | 2);
        nodes.free(base | 1);
        assert!(!nodes.contains(base | 1));
        assert_eq!(nodes.allocate_permanent().unwrap(), base | 1);
        assert_eq!(nodes.allocate_permanent().unwrap(), base | 2);
        assert_eq!(nodes.allocate_permanent().unwrap(), base | 4);
    }

    #[test]
    fn permanent_ids_fall_back_to_temporary_when_exhausted() {
        let mut nodes = NodeIdAllocator::new(0, 3);
        assert_eq!(nodes.allocate_permanent().unwrap(), 1);
        assert_eq!(nodes.allocate_permanent().unwrap(), 2);
        assert_eq!(nodes.allocate_permanent().unwrap(), 3);
        assert_eq!(nodes.allocate().unwrap(), 4);
    }

    #[test]
    fn freed_temporary_ids_are_reused_after_wrapping() {
        let mut nodes = NodeIdAllocator::new(2, LOCAL_MASK - 2);
        let base = 2 << 26;
        let first = nodes.allocate().unwrap();
        assert_eq!(first, base | (LOCAL_MASK - 2));
        assert_eq!(nodes.allocate().unwrap(), base | (LOCAL_MASK - 1));
        assert_eq!(nodes.allocate().unwrap(), base | LOCAL_MASK);
        nodes.free(first);
        assert_eq!(
            nodes.allocate().unwrap(),
            first,
            "wrapped back to initial_node_id"
        );
    }

    #[test]
    fn wrapping_skips_ids_in_use() {
        let mut nodes = NodeIdAllocator::new(0, LOCAL_MASK - 2);
        let a = nodes.allocate().unwrap();
        let b = nodes.allocate().unwrap();
        let c = nodes.allocate().unwrap();
        assert_eq!((a, b, c), (LOCAL_MASK - 2, LOCAL_MASK - 1, LOCAL_MASK));
        nodes.free(b);
        assert_eq!(nodes.allocate().unwrap(), b, "a and c are still in use");
        assert_eq!(nodes.in_use(), 3);
    }

    #[test]
    fn the_last_id_of_the_space_is_handed_out_then_exhaustion_is_none() {
        let mut nodes = NodeIdAllocator::new(0, LOCAL_MASK);
        assert_eq!(nodes.allocate(), Some(LOCAL_MASK));
        assert_eq!(nodes.allocate(), None, "the only temporary id is in use");
        // Permanent ids below it are still there, then nothing is.
        let mut tiny = NodeIdAllocator::new(0, LOCAL_MASK);
        tiny.allocate();
        assert_eq!(tiny.allocate_permanent(), Some(1));
        nodes.free(LOCAL_MASK);
        assert_eq!(
            nodes.allocate(),
            Some(LOCAL_MASK),
            "freed, so handed out again"
        );
    }

    #[test]
    fn permanent_ids_run_out_into_temporary_ones_then_none() {
        let mut nodes = NodeIdAllocator::new(0, LOCAL_MASK - 1);
        let ids: Vec<_> = std::iter::from_fn(|| nodes.allocate()).take(10).collect();
        assert_eq!(ids, vec![LOCAL_MASK - 1, LOCAL_MASK]);
        nodes.next_permanent = LOCAL_MASK - 1;
        assert_eq!(nodes.allocate_permanent(), None);
    }

    #[test]
    fn freeing_unknown_ids_is_a_no_op() {
        let mut nodes = NodeIdAllocator::new(0, 1000);
        nodes.free(1234);
        nodes.free(1 << 26 | 1000);
        nodes.free(-5);
        assert_eq!(nodes.in_use(), 0);
        assert_eq!(nodes.allocate().unwrap(), 1000);
        assert_eq!(nodes.allocate_permanent().unwrap(), 1);
    }

    #[test]
    #[should_panic(expected = "outside 0..=31")]
    fn node_allocator_rejects_large_client_ids() {
        let _ = NodeIdAllocator::new(32, 1000);
    }

    #[test]
    fn two_clients_never_share_ids() {
        let (mut a, mut b) = two_clients();
        let a_nodes: HashSet<i32> = (0..100)
            .map(|i| {
                if i % 3 == 0 {
                    a.nodes.allocate_permanent().unwrap()
                } else {
                    a.nodes.allocate().unwrap()
                }
            })
            .collect();
        let b_nodes: HashSet<i32> = (0..100)
            .map(|i| {
                if i % 3 == 0 {
                    b.nodes.allocate_permanent().unwrap()
                } else {
                    b.nodes.allocate().unwrap()
                }
            })
            .collect();
        assert_eq!(a_nodes.len(), 100);
        assert!(a_nodes.is_disjoint(&b_nodes));
        // Neither hands out a default group id.
        for group in [a.default_group(), b.default_group()] {
            assert!(!a_nodes.contains(&group) && !b_nodes.contains(&group));
        }
        assert_eq!((a.default_group(), b.default_group()), (1, 2));

        assert_eq!((a.audio_buses.start(), a.audio_buses.len()), (16, 504));
        assert_eq!((b.audio_buses.start(), b.audio_buses.len()), (520, 504));
        assert_eq!((a.control_buses.start(), a.control_buses.len()), (0, 8192));
        assert_eq!(
            (b.control_buses.start(), b.control_buses.len()),
            (8192, 8192)
        );
        assert_eq!((a.buffers.start(), a.buffers.len()), (0, 512));
        assert_eq!((b.buffers.start(), b.buffers.len()), (512, 512));

        let a_bus = a.audio_buses.allocate(504).unwrap();
        let b_bus = b.audio_buses.allocate(2).unwrap();
        assert!(a_bus + 504 <= b_bus);
        assert_eq!(a.audio_buses.allocate(1), None);

        assert_eq!(a.sync_ids.next(), 0);
        assert_eq!(b.sync_ids.next(), 1 << 26);
    }

    #[test]
    fn client_ids_are_checked() {
        let options = Options::default();
        assert_eq!(
            ClientAllocators::new(32, 64, &options).unwrap_err(),
            AllocError::ClientIdOutOfRange(32)
        );
        assert_eq!(
            ClientAllocators::new(-1, 1, &options).unwrap_err(),
            AllocError::ClientIdOutOfRange(-1)
        );
        assert_eq!(
            ClientAllocators::new(1, 1, &options).unwrap_err(),
            AllocError::ClientIdNotBelowLogins {
                client_id: 1,
                max_logins: 1
            }
        );
        assert_eq!(
            ClientAllocators::new(0, 0, &options).unwrap_err(),
            AllocError::NoLogins
        );
        let bad_initial = Options {
            initial_node_id: 0,
            ..Options::default()
        };
        assert_eq!(
            ClientAllocators::new(0, 1, &bad_initial).unwrap_err(),
            AllocError::InitialNodeId(0)
        );
        assert!(ClientAllocators::new(31, 64, &options).is_ok());
    }

    #[test]
    fn client_zero_skips_all_default_groups() {
        let options = Options {
            maximum_logins: 4,
            ..Options::default()
        };
        let mut zero = ClientAllocators::new(0, 4, &options).unwrap();
        assert_eq!(zero.nodes.allocate_permanent().unwrap(), 5);
        zero.reset();
        assert_eq!(
            zero.nodes.allocate_permanent().unwrap(),
            5,
            "reset keeps the groups reserved"
        );
        let mut two = ClientAllocators::new(2, 4, &options).unwrap();
        assert_eq!(two.nodes.allocate_permanent().unwrap(), (2 << 26) | 1);
    }

    #[test]
    fn reset_takes_everything_back() {
        let (mut a, _) = two_clients();
        a.nodes.allocate().unwrap();
        a.buffers.allocate(10).unwrap();
        a.sync_ids.next();
        a.reset();
        assert_eq!(a.nodes.allocate().unwrap(), 1000);
        assert_eq!(a.buffers.allocate(512), Some(0));
        assert_eq!(a.sync_ids.next(), 0);
    }

    #[test]
    fn blocks_are_first_fit_and_coalesce() {
        let mut blocks = BlockAllocator::new(16, 10);
        assert_eq!(blocks.allocate(0), None);
        assert_eq!(blocks.allocate(-1), None);
        let a = blocks.allocate(3).unwrap();
        let b = blocks.allocate(3).unwrap();
        let c = blocks.allocate(3).unwrap();
        assert_eq!((a, b, c), (16, 19, 22));
        assert_eq!(blocks.allocate(2), None, "only one id left");
        assert!(blocks.free(b));
        assert!(!blocks.free(b), "already free");
        assert!(!blocks.free(17), "not the start of a block");
        assert_eq!(
            blocks.allocate(4),
            None,
            "three free in the middle, one at the end"
        );
        assert!(blocks.free(a));
        assert_eq!(blocks.allocate(6), Some(16), "a and b merged");
        assert!(blocks.free(16));
        assert!(blocks.free(c));
        assert_eq!(blocks.free_count(), 10);
        assert_eq!(
            blocks.allocate(10),
            Some(16),
            "everything merged into one block"
        );
        assert_eq!(blocks.block_len(16), Some(10));
        blocks.reset();
        assert_eq!(blocks.allocate(10), Some(16));
    }

    #[test]
    fn empty_block_range() {
        let mut blocks = BlockAllocator::new(5, -3);
        assert!(blocks.is_empty());
        assert_eq!(blocks.allocate(1), None);
    }

    #[test]
    fn sync_ids_wrap_inside_the_client_range() {
        let mut ids = SyncIdAllocator::new(31);
        let base = 31 << 26;
        assert_eq!(ids.next(), base);
        ids.next = LOCAL_MASK;
        assert_eq!(ids.next(), base | LOCAL_MASK);
        assert_eq!(ids.next(), base, "wrapped");
        ids.next();
        ids.reset();
        assert_eq!(ids.next(), base);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Allocate(i32),
        Free(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1..20i32).prop_map(Op::Allocate),
            any::<usize>().prop_map(Op::Free),
        ]
    }

    proptest! {
        #[test]
        fn live_blocks_never_overlap(ops in proptest::collection::vec(op(), 1..200)) {
            let mut blocks = BlockAllocator::new(100, 64);
            let mut live: Vec<(i32, i32)> = Vec::new();
            for op in ops {
                match op {
                    Op::Allocate(count) => {
                        if let Some(start) = blocks.allocate(count) {
                            prop_assert!(start >= 100 && start + count <= 164);
                            for &(other, len) in &live {
                                prop_assert!(start + count <= other || other + len <= start,
                                    "[{start}, +{count}) overlaps [{other}, +{len})");
                            }
                            live.push((start, count));
                        } else {
                            // First fit fails only when no free gap is large enough.
                            let mut edges: Vec<(i32, i32)> = live.clone();
                            edges.sort();
                            let mut cursor = 100;
                            for (start, len) in edges {
                                prop_assert!(start - cursor < count);
                                cursor = start + len;
                            }
                            prop_assert!(164 - cursor < count);
                        }
                    }
                    Op::Free(index) => {
                        if !live.is_empty() {
                            let (start, _) = live.swap_remove(index % live.len());
                            prop_assert!(blocks.free(start));
                        }
                    }
                }
                let used: i32 = live.iter().map(|&(_, len)| len).sum();
                prop_assert_eq!(blocks.free_count(), 64 - used);
            }
        }

        #[test]
        fn the_top_of_the_space_never_panics_nor_repeats_a_live_id(
            room in 1..6i32,
            ops in proptest::collection::vec(0..3u8, 1..100),
        ) {
            let mut nodes = NodeIdAllocator::new(3, LOCAL_MASK - room + 1);
            let mut live: Vec<i32> = Vec::new();
            for op in ops {
                match op {
                    0 => match nodes.allocate() {
                        Some(id) => live.push(id),
                        // Only when every temporary id is live.
                        None => prop_assert_eq!(
                            live.iter().filter(|id| *id & LOCAL_MASK > LOCAL_MASK - room).count(),
                            room as usize
                        ),
                    },
                    1 => live.extend(nodes.allocate_permanent()),
                    _ => if let Some(id) = live.pop() { nodes.free(id) },
                }
                let distinct: HashSet<i32> = live.iter().copied().collect();
                prop_assert_eq!(distinct.len(), live.len());
                prop_assert_eq!(nodes.in_use(), live.len());
            }
        }

        #[test]
        fn node_ids_are_unique_while_live(ops in proptest::collection::vec(0..3u8, 1..300)) {
            let mut nodes = NodeIdAllocator::new(5, 8);
            let mut live: Vec<i32> = Vec::new();
            for op in ops {
                match op {
                    0 => live.push(nodes.allocate().unwrap()),
                    1 => live.push(nodes.allocate_permanent().unwrap()),
                    _ => if let Some(id) = live.pop() { nodes.free(id) },
                }
                let distinct: HashSet<i32> = live.iter().copied().collect();
                prop_assert_eq!(distinct.len(), live.len());
                prop_assert!(live.iter().all(|id| id >> 26 == 5));
            }
        }
    }
}
