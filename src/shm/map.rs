//! The one place that touches mapped memory. Everything here is bounds- and alignment-checked
//! and goes through atomics, because the server writes the same memory from its audio thread.
//!
//! The mapping outlives the server: scsynth unlinks its segment when it quits and nothing ever
//! shrinks the file, so a mapping taken while it ran stays readable after it exits or is
//! killed (reads then return the last values).

use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicU8, Ordering};

use memmap2::{MmapOptions, MmapRaw};

/// A shared mapping of a segment file, read-only or read-write.
pub(crate) struct Mapping {
    raw: MmapRaw,
    writable: bool,
}

impl Mapping {
    /// Maps the whole file at `path`.
    pub fn open(path: &Path, writable: bool) -> io::Result<Mapping> {
        let file = OpenOptions::new().read(true).write(writable).open(path)?;
        let raw = if writable {
            MmapOptions::new().map_raw(&file)?
        } else {
            MmapOptions::new().map_raw_read_only(&file)?
        };
        Ok(Mapping { raw, writable })
    }

    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    /// The atomic of type `A` (size and alignment `size`) at `offset`, if it lies inside.
    fn cell<A>(&self, offset: usize, size: usize) -> Option<&A> {
        debug_assert_eq!(std::mem::size_of::<A>(), size);
        if !offset.is_multiple_of(size) || offset.checked_add(size)? > self.len() {
            return None;
        }
        // SAFETY: the mapping is page-aligned, so `offset % size == 0` makes the address aligned
        // for `A` (an atomic integer of `size` bytes, whose alignment equals its size); the
        // range lies inside the mapping, which `self` keeps alive for the returned lifetime.
        // Memory the other process writes concurrently is only ever accessed through atomics,
        // which is what `A` is. Atomic loads are allowed on read-only memory; stores are only
        // made through `cell_mut`, which refuses a read-only mapping.
        Some(unsafe { &*(self.raw.as_mut_ptr().add(offset) as *const A) })
    }

    fn cell_mut<A>(&self, offset: usize, size: usize) -> Option<&A> {
        self.writable.then(|| self.cell(offset, size)).flatten()
    }

    pub fn load_u8(&self, offset: usize) -> Option<u8> {
        Some(self.cell::<AtomicU8>(offset, 1)?.load(Ordering::Relaxed))
    }

    pub fn store_u8(&self, offset: usize, value: u8) -> Option<()> {
        self.cell_mut::<AtomicU8>(offset, 1)?
            .store(value, Ordering::Relaxed);
        Some(())
    }

    pub fn load_i32(&self, offset: usize, order: Ordering) -> Option<i32> {
        Some(self.cell::<AtomicI32>(offset, 4)?.load(order))
    }

    pub fn store_i32(&self, offset: usize, value: i32) -> Option<()> {
        self.cell_mut::<AtomicI32>(offset, 4)?
            .store(value, Ordering::Relaxed);
        Some(())
    }

    pub fn swap_i32(&self, offset: usize, value: i32, order: Ordering) -> Option<i32> {
        Some(self.cell_mut::<AtomicI32>(offset, 4)?.swap(value, order))
    }

    pub fn load_u32(&self, offset: usize) -> Option<u32> {
        Some(self.cell::<AtomicU32>(offset, 4)?.load(Ordering::Relaxed))
    }

    pub fn load_i64(&self, offset: usize) -> Option<i64> {
        Some(self.cell::<AtomicU64>(offset, 8)?.load(Ordering::Relaxed) as i64)
    }

    /// The `f32`s from `offset` on into `out`.
    pub fn load_f32s(&self, offset: usize, out: &mut [f32]) -> Option<()> {
        let cells = self.cells(offset, out.len())?;
        for (value, cell) in out.iter_mut().zip(cells) {
            *value = f32::from_bits(cell.load(Ordering::Relaxed));
        }
        Some(())
    }

    /// Writes `values` as `f32`s from `offset` on.
    pub fn store_f32s(&self, offset: usize, values: &[f32]) -> Option<()> {
        if !self.writable {
            return None;
        }
        let cells = self.cells(offset, values.len())?;
        for (value, cell) in values.iter().zip(cells) {
            cell.store(value.to_bits(), Ordering::Relaxed);
        }
        Some(())
    }

    /// `count` consecutive 4-byte atomics from `offset`, checked once.
    fn cells(&self, offset: usize, count: usize) -> Option<&[AtomicU32]> {
        let bytes = count.checked_mul(4)?;
        if !offset.is_multiple_of(4) || offset.checked_add(bytes)? > self.len() {
            return None;
        }
        // SAFETY: as in `cell`: aligned (page-aligned base, offset a multiple of 4), inside the
        // mapping for `count` elements, alive as long as `self`, accessed only atomically.
        Some(unsafe {
            std::slice::from_raw_parts(self.raw.as_mut_ptr().add(offset) as *const AtomicU32, count)
        })
    }

    /// A copy of the whole segment, for finding the layout (word by word, atomically, since
    /// parts of it change while we copy).
    pub fn snapshot(&self) -> Vec<u8> {
        let words = self.len() / 8;
        // SAFETY: as in `cell`, for `words` aligned 8-byte atomics inside the mapping.
        let cells =
            unsafe { std::slice::from_raw_parts(self.raw.as_mut_ptr() as *const AtomicU64, words) };
        cells
            .iter()
            .flat_map(|c| c.load(Ordering::Relaxed).to_le_bytes())
            .collect()
    }
}
