//! Pseudo-UGens that spread or pick among channels: `Splay` (supriya's), `SelectX`,
//! `LinSelectX`, `TChoose` and `TWChoose` (sclang's).

use crate::builder::SynthDefBuilder;
use crate::graph::Signal;
use crate::rate::Rate;

impl SynthDefBuilder {
    /// supriya's `Splay`: spreads `sources` across the stereo field, one `Pan2` each at
    /// evenly spaced positions from `center - spread` to `center + spread`, mixed into two
    /// channels and scaled by `level`. With `normalize`, the level is also divided by the
    /// square root of the number of sources at audio rate (equal power), by their number
    /// at control rate. One source sits at `center - spread`, as in sclang.
    ///
    /// ```
    /// use scserver_synthdef::{ugens::{Out, SinOsc}, Rate, SynthDefBuilder};
    /// let b = SynthDefBuilder::new("chord");
    /// let voices = SinOsc::ar(&b).frequency(vec![220.0, 277.2, 329.6]).finish();
    /// let stereo = b.splay(Rate::Audio, voices, 1.0, 0.2, 0.0, true);
    /// Out::ar(&b).source(stereo).finish();
    /// # b.build().unwrap();
    /// ```
    pub fn splay(
        &self,
        rate: Rate,
        sources: impl Into<Signal>,
        spread: impl Into<Signal>,
        level: impl Into<Signal>,
        center: impl Into<Signal>,
        normalize: bool,
    ) -> Signal {
        let sources = sources.into().flatten();
        let (spread, center) = (spread.into(), center.into());
        let count = sources.len() as f64;
        // sclang spaces at least two positions; supriya divides by zero for one source.
        let step = 2.0 / (count.max(2.0) - 1.0);
        let positions: Vec<Signal> = (0..sources.len())
            .map(|i| Signal::Const(i as f64 * step - 1.0) * &spread + &center)
            .collect();
        let mut level = level.into();
        if normalize {
            level = if rate == Rate::Audio {
                level * (1.0 / count).sqrt()
            } else {
                level / count
            };
        }
        let panners = self
            .ugen("Pan2", rate)
            .input("source", sources)
            .input("position", positions)
            .finish();
        self.mix_channels(panners, 2) * level
    }

    /// sclang's `SelectX`: reads a fractional index into `sources`, crossfading (equal
    /// power, `XFade2`) between the two channels around it: one `Select` of the even
    /// channels, one of the odd, faded by `(which * 2 - 1).fold2(1)`.
    pub fn select_x(
        &self,
        rate: Rate,
        which: impl Into<Signal>,
        sources: impl Into<Signal>,
    ) -> Signal {
        self.select_crossfaded("XFade2", rate, which.into(), sources.into())
    }

    /// sclang's `LinSelectX`: [`select_x`](Self::select_x) with a linear crossfade
    /// (`LinXFade2`): halfway between two channels is half of each.
    pub fn lin_select_x(
        &self,
        rate: Rate,
        which: impl Into<Signal>,
        sources: impl Into<Signal>,
    ) -> Signal {
        self.select_crossfaded("LinXFade2", rate, which.into(), sources.into())
    }

    fn select_crossfaded(
        &self,
        crossfade: &str,
        rate: Rate,
        which: Signal,
        sources: Signal,
    ) -> Signal {
        let even = self
            .ugen("Select", rate)
            .input("selector", which.round_to(2.0))
            .input("sources", &sources)
            .finish();
        let odd = self
            .ugen("Select", rate)
            .input("selector", which.trunc_to(2.0) + 1.0)
            .input("sources", sources)
            .finish();
        let pan = (which * 2.0 - 1.0).fold2(1.0);
        self.ugen(crossfade, rate)
            .input("in_a", even)
            .input("in_b", odd)
            .input("pan", pan)
            .finish()
    }

    /// sclang's `TChoose`: a channel of `sources` chosen at random each time `trigger`
    /// fires (`Select` by a `TIRand` over the indices).
    pub fn t_choose(
        &self,
        rate: Rate,
        trigger: impl Into<Signal>,
        sources: impl Into<Signal>,
    ) -> Signal {
        let sources = sources.into();
        let last = sources.flatten().len().saturating_sub(1) as f64;
        let index = self
            .ugen("TIRand", rate)
            .input("minimum", 0.0)
            .input("maximum", last)
            .input("trigger", trigger)
            .finish();
        self.ugen("Select", rate)
            .input("selector", index)
            .input("sources", sources)
            .finish()
    }

    /// sclang's `TWChoose`: a channel of `sources` chosen at random each time `trigger`
    /// fires, channel *i* with the probability `weights[i]` (`Select` by a `TWindex`); the
    /// weights must sum to 1 unless `normalize`.
    pub fn tw_choose(
        &self,
        rate: Rate,
        trigger: impl Into<Signal>,
        sources: impl Into<Signal>,
        weights: impl Into<Signal>,
        normalize: bool,
    ) -> Signal {
        let index = self
            .ugen("TWindex", rate)
            .input("trigger", trigger)
            .input("normalize", if normalize { 1.0 } else { 0.0 })
            .input("array", weights)
            .finish();
        self.ugen("Select", rate)
            .input("selector", index)
            .input("sources", sources)
            .finish()
    }
}
