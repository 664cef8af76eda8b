//! The catalogue's rows: one line per UGen that this crate knows by name. The
//! [`catalogue`](crate::catalogue) reads them as data and [`ugens`](crate::ugens) derives a
//! typed constructor from each, so both come from this one list.
//!
//! Each row reads `Name [rates] outputs [flags] { input(spec) ... }`, where a spec is a default
//! value, `by_rate A C` (A at audio rate, C at the other rates), `req` (required), `array` (an
//! array input, optionally with a default or `auto`), `auto` (derived when the UGen is made)
//! and `ar` (must be audio rate when the UGen is). Adding a UGen is adding a row; it then
//! works by name ([`SynthDefBuilder::ugen`](crate::SynthDefBuilder::ugen)) and as a type.
//! `tests/synthdef_sclang.rs` checks every row against sclang's class definition.

/// Hands every row to the macro `$then`.
macro_rules! catalogue_rows {
    ($then:ident) => {
        $then! {
            MulAdd [new] 1 [] { source(req) multiplier(1.0) addend(0.0) }
            Sum3 [new] 1 [] { input_one(req) input_two(req) input_three(req) }
            Sum4 [new] 1 [] { input_one(req) input_two(req) input_three(req) input_four(req) }
            BAllPass [ar] 1 [pure] { source(req ar) frequency(1200.0) reciprocal_of_q(1.0) }
            BBandPass [ar] 1 [pure] { source(req ar) frequency(1200.0) bandwidth(1.0) }
            BBandStop [ar] 1 [pure] { source(req ar) frequency(1200.0) bandwidth(1.0) }
            BHiPass [ar] 1 [pure] { source(req ar) frequency(1200.0) reciprocal_of_q(1.0) }
            BHiShelf [ar] 1 [pure] { source(req ar) frequency(1200.0) reciprocal_of_s(1.0) gain(0.0) }
            BLowPass [ar] 1 [pure] { source(req ar) frequency(1200.0) reciprocal_of_q(1.0) }
            BLowShelf [ar] 1 [pure] { source(req ar) frequency(1200.0) reciprocal_of_s(1.0) gain(0.0) }
            BPeakEQ [ar] 1 [pure] { source(req ar) frequency(1200.0) reciprocal_of_q(1.0) gain(0.0) }
            BufRd [ar kr] 1 [channels] { buffer_id(req) phase(ar 0.0) r#loop(1.0) interpolation(2.0) }
            BufWr [ar kr] 1 [done_flag] { buffer_id(req) phase(ar 0.0) r#loop(1.0) source(array ar) }
            ClearBuf [ir] 1 [width_first] { buffer_id(req) }
            LocalBuf [ir] 1 [width_first] { channel_count(1.0) frame_count(1.0) }
            MaxLocalBufs [ir] 1 [] { maximum(0.0) }
            PlayBuf [ar kr] 1 [channels] { buffer_id(req) rate(1.0) trigger(1.0) start_position(0.0) r#loop(0.0) done_action(0.0) }
            RecordBuf [ar kr] 1 [done_flag] { buffer_id(req) offset(0.0) record_level(1.0) preexisting_level(0.0) run(1.0) r#loop(1.0) trigger(1.0) done_action(0.0) source(array ar) }
            ScopeOut [ar kr] 1 [] { buffer_id(req) source(array) }
            ScopeOut2 [ar kr] 1 [] { scope_id(req) max_frames(4096.0) scope_frames(auto) source(array) }
            CuspL [ar] 1 [] { frequency(22050.0) a(1.0) b(1.9) xi(0.0) }
            CuspN [ar] 1 [] { frequency(22050.0) a(1.0) b(1.9) xi(0.0) }
            FBSineC [ar] 1 [] { frequency(22050.0) im(1.0) fb(0.1) a(1.1) c(0.5) xi(0.1) yi(0.1) }
            FBSineL [ar] 1 [] { frequency(22050.0) im(1.0) fb(0.1) a(1.1) c(0.5) xi(0.1) yi(0.1) }
            FBSineN [ar] 1 [] { frequency(22050.0) im(1.0) fb(0.1) a(1.1) c(0.5) xi(0.1) yi(0.1) }
            GbmanL [ar] 1 [] { frequency(22050.0) xi(1.2) yi(2.1) }
            GbmanN [ar] 1 [] { frequency(22050.0) xi(1.2) yi(2.1) }
            HenonC [ar] 1 [] { frequency(22050.0) a(1.4) b(0.3) x_0(0.0) x_1(0.0) }
            HenonL [ar] 1 [] { frequency(22050.0) a(1.4) b(0.3) x_0(0.0) x_1(0.0) }
            HenonN [ar] 1 [] { frequency(22050.0) a(1.4) b(0.3) x_0(0.0) x_1(0.0) }
            LatoocarfianC [ar] 1 [] { frequency(22050.0) a(1.0) b(3.0) c(0.5) d(0.5) xi(0.5) yi(0.5) }
            LatoocarfianL [ar] 1 [] { frequency(22050.0) a(1.0) b(3.0) c(0.5) d(0.5) xi(0.5) yi(0.5) }
            LatoocarfianN [ar] 1 [] { frequency(22050.0) a(1.0) b(3.0) c(0.5) d(0.5) xi(0.5) yi(0.5) }
            LinCongC [ar] 1 [] { frequency(22050.0) a(1.1) c(0.13) m(1.0) xi(0.0) }
            LinCongL [ar] 1 [] { frequency(22050.0) a(1.1) c(0.13) m(1.0) xi(0.0) }
            LinCongN [ar] 1 [] { frequency(22050.0) a(1.1) c(0.13) m(1.0) xi(0.0) }
            LorenzL [ar] 1 [] { frequency(22050.0) s(10.0) r(28.0) b(2.667) h(0.05) xi(0.1) yi(0.0) zi(0.0) }
            QuadC [ar] 1 [] { frequency(22050.0) a(1.0) b(-1.0) c(-0.75) xi(0.0) }
            QuadL [ar] 1 [] { frequency(22050.0) a(1.0) b(-1.0) c(-0.75) xi(0.0) }
            QuadN [ar] 1 [] { frequency(22050.0) a(1.0) b(-1.0) c(-0.75) xi(0.0) }
            StandardL [ar] 1 [] { frequency(22050.0) k(1.0) xi(0.5) yi(0.0) }
            StandardN [ar] 1 [] { frequency(22050.0) k(1.0) xi(0.5) yi(0.0) }
            Convolution [ar] 1 [] { source(req) kernel(req) framesize(512.0) }
            Convolution2 [ar] 1 [] { source(req) kernel(req) trigger(0.0) framesize(2048.0) }
            Convolution2L [ar] 1 [] { source(req) kernel(req) trigger(0.0) framesize(2048.0) crossfade(1.0) }
            Convolution3 [ar] 1 [] { source(req) kernel(req) trigger(0.0) framesize(2048.0) }
            AllpassC [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) }
            AllpassL [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) }
            AllpassN [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) }
            BufAllpassC [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) decay_time(1.0) }
            BufAllpassL [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) decay_time(1.0) }
            BufAllpassN [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) decay_time(1.0) }
            BufCombC [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) decay_time(1.0) }
            BufCombL [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) decay_time(1.0) }
            BufCombN [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) decay_time(1.0) }
            BufDelayC [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) }
            BufDelayL [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) }
            BufDelayN [ar kr] 1 [pure] { buffer_id(req) source(req ar) delay_time(0.2) }
            CombC [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) }
            CombL [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) }
            CombN [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) }
            DelTapRd [ar kr] 1 [pure] { buffer_id(req) phase(req) delay_time(0.0) interpolation(1.0) }
            DelTapWr [ar kr] 1 [pure] { buffer_id(req) source(req ar) }
            DelayC [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) }
            DelayL [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) }
            DelayN [ar kr] 1 [pure] { source(req ar) maximum_delay_time(0.2) delay_time(0.2) }
            Delay1 [ar kr] 1 [pure] { source(req ar) }
            Delay2 [ar kr] 1 [pure] { source(req ar) }
            Dbrown [dr] 1 [] { length(f64::INFINITY) minimum(0.0) maximum(1.0) step(0.01) }
            Dbufrd [dr] 1 [] { buffer_id(0.0) phase(0.0) r#loop(1.0) }
            Dbufwr [dr] 1 [] { buffer_id(0.0) phase(0.0) source(0.0) r#loop(1.0) }
            Demand [ar kr] 1 [] { trigger(ar 0.0) reset(0.0) source(array) }
            DemandEnvGen [ar kr] 1 [] { level(req) duration(req) shape(1.0) curve(0.0) gate(1.0) reset(1.0) level_scale(1.0) level_bias(0.0) time_scale(1.0) done_action(0.0) }
            Dgeom [dr] 1 [] { length(f64::INFINITY) start(1.0) grow(2.0) }
            Dibrown [dr] 1 [] { length(f64::INFINITY) minimum(0.0) maximum(1.0) step(0.01) }
            Diwhite [dr] 1 [] { length(f64::INFINITY) minimum(0.0) maximum(1.0) }
            Drand [dr] 1 [] { repeats(1.0) sequence(array) }
            Dreset [dr] 1 [] { source(req) reset(0.0) }
            Dseq [dr] 1 [] { repeats(1.0) sequence(array) }
            Dser [dr] 1 [] { repeats(1.0) sequence(array) }
            Dseries [dr] 1 [] { length(f64::INFINITY) start(1.0) step(1.0) }
            Dshuf [dr] 1 [] { repeats(1.0) sequence(array) }
            Dstutter [dr] 1 [] { n(2.0) source(req) }
            Dswitch [dr] 1 [] { index_(req) sequence(array) }
            Dswitch1 [dr] 1 [] { index_(req) sequence(array) }
            Duty [ar kr] 1 [] { duration(1.0) reset(0.0) done_action(0.0) level(1.0) }
            Dwhite [dr] 1 [] { length(f64::INFINITY) minimum(0.0) maximum(1.0) }
            Dwrand [dr] 1 [] { repeats(1.0) length(auto) weights(array) sequence(array) }
            Dxrand [dr] 1 [] { repeats(1.0) sequence(array) }
            DiskIn [ar] 1 [done_flag channels] { buffer_id(req) r#loop(0.0) }
            DiskOut [ar] 1 [] { buffer_id(req) source(array ar) }
            VDiskIn [ar] 1 [done_flag channels] { buffer_id(req) rate(1.0) r#loop(0.0) send_id(0.0) }
            Amplitude [ar kr] 1 [] { source(req) attack_time(0.01) release_time(0.01) }
            Compander [ar] 1 [] { source(req ar) control(0.0) threshold(0.5) slope_below(1.0) slope_above(1.0) clamp_time(0.01) relax_time(0.1) }
            Limiter [ar] 1 [] { source(req ar) level(1.0) duration(0.01) }
            Normalizer [ar] 1 [] { source(req ar) level(1.0) duration(0.01) }
            Done [kr] 1 [] { source(req) }
            EnvGen [ar kr] 1 [done_flag] { gate(1.0) level_scale(1.0) level_bias(0.0) time_scale(1.0) done_action(0.0) envelope(array) }
            IEnvGen [ar kr] 1 [] { index(req) envelope(array) }
            Free [kr] 1 [] { trigger(0.0) node_id(req) }
            FreeSelf [kr] 1 [] { trigger(req) }
            FreeSelfWhenDone [kr] 1 [] { source(req) }
            Linen [kr] 1 [done_flag] { gate(1.0) attack_time(0.01) sustain_level(1.0) release_time(1.0) done_action(0.0) }
            Pause [kr] 1 [] { trigger(req) node_id(req) }
            PauseSelf [kr] 1 [] { trigger(req) }
            PauseSelfWhenDone [kr] 1 [] { source(req) }
            Blip [ar kr] 1 [] { frequency(440.0) harmonic_count(200.0) }
            FSinOsc [ar kr] 1 [] { frequency(440.0) initial_phase(0.0) }
            Klank [ar] 1 [] { source(req ar) frequency_scale(1.0) frequency_offset(0.0) decay_scale(1.0) specifications(array) }
            Klang [ar] 1 [] { frequency_scale(1.0) frequency_offset(0.0) specifications(array) }
            Pulse [ar kr] 1 [] { frequency(440.0) width(0.5) }
            Saw [ar kr] 1 [pure] { frequency(440.0) }
            APF [ar kr] 1 [pure] { source(req ar) frequency(440.0) radius(0.8) }
            BPF [ar kr] 1 [pure] { source(req ar) frequency(440.0) reciprocal_of_q(1.0) }
            BPZ2 [ar kr] 1 [pure] { source(req ar) }
            BRF [ar kr] 1 [pure] { source(req ar) frequency(440.0) reciprocal_of_q(1.0) }
            BRZ2 [ar kr] 1 [pure] { source(req ar) }
            Decay [ar kr] 1 [pure] { source(req ar) decay_time(1.0) }
            Decay2 [ar kr] 1 [pure] { source(req ar) attack_time(0.01) decay_time(1.0) }
            DetectSilence [ar kr] 1 [] { source(req ar) threshold(0.0001) time(0.1) done_action(0.0) }
            FOS [ar kr] 1 [pure] { source(req ar) a_0(0.0) a_1(0.0) b_1(0.0) }
            Formlet [ar kr] 1 [pure] { source(req ar) frequency(440.0) attack_time(1.0) decay_time(1.0) }
            HPF [ar kr] 1 [pure] { source(req ar) frequency(440.0) }
            HPZ1 [ar kr] 1 [pure] { source(req ar) }
            HPZ2 [ar kr] 1 [pure] { source(req ar) }
            Integrator [ar kr] 1 [pure] { source(req ar) coefficient(1.0) }
            Lag [ar kr] 1 [pure] { source(req ar) lag_time(0.1) }
            LagUD [ar kr] 1 [pure] { source(req ar) lag_time_up(0.1) lag_time_down(0.1) }
            Lag2 [ar kr] 1 [pure] { source(req ar) lag_time(0.1) }
            Lag2UD [ar kr] 1 [pure] { source(req ar) lag_time_up(0.1) lag_time_down(0.1) }
            Lag3 [ar kr] 1 [pure] { source(req ar) lag_time(0.1) }
            Lag3UD [ar kr] 1 [pure] { source(req ar) lag_time_up(0.1) lag_time_down(0.1) }
            VarLag [ar kr] 1 [pure] { source(req ar) lag_time(0.1) start(auto) }
            LeakDC [ar kr] 1 [pure] { source(req ar) coefficient(by_rate 0.995 0.9) }
            LPF [ar kr] 1 [pure] { source(req ar) frequency(440.0) }
            LPZ1 [ar kr] 1 [pure] { source(req ar) }
            LPZ2 [ar kr] 1 [pure] { source(req ar) }
            Median [ar kr] 1 [pure] { length(3.0) source(req ar) }
            MidEQ [ar kr] 1 [pure] { source(req ar) frequency(440.0) reciprocal_of_q(1.0) db(0.0) }
            MoogFF [ar kr] 1 [pure] { source(req ar) frequency(100.0) gain(2.0) reset(0.0) }
            OnePole [ar kr] 1 [pure] { source(req ar) coefficient(0.5) }
            OneZero [ar kr] 1 [pure] { source(req ar) coefficient(0.5) }
            RHPF [ar kr] 1 [pure] { source(req ar) frequency(440.0) reciprocal_of_q(1.0) }
            RLPF [ar kr] 1 [pure] { source(req ar) frequency(440.0) reciprocal_of_q(1.0) }
            Ramp [ar kr] 1 [pure] { source(req ar) lag_time(0.1) }
            Ringz [ar kr] 1 [pure] { source(req ar) frequency(440.0) decay_time(1.0) }
            SOS [ar kr] 1 [pure] { source(req ar) a_0(0.0) a_1(0.0) a_2(0.0) b_1(0.0) b_2(0.0) }
            Slew [ar kr] 1 [pure] { source(req ar) up(1.0) down(1.0) }
            Slope [ar kr] 1 [pure] { source(req ar) }
            TwoPole [ar kr] 1 [pure] { source(req ar) frequency(440.0) radius(0.8) }
            TwoZero [ar kr] 1 [pure] { source(req ar) frequency(440.0) radius(0.8) }
            Gendy1 [ar kr] 1 [] { ampdist(1.0) durdist(1.0) adparam(1.0) ddparam(1.0) minfrequency(by_rate 440.0 20.0) maxfrequency(by_rate 660.0 1000.0) ampscale(0.5) durscale(0.5) init_cps(12.0) knum(auto) }
            Gendy2 [ar kr] 1 [] { ampdist(1.0) durdist(1.0) adparam(1.0) ddparam(1.0) minfrequency(by_rate 440.0 20.0) maxfrequency(by_rate 660.0 1000.0) ampscale(0.5) durscale(0.5) init_cps(12.0) knum(auto) a(1.17) c(0.31) }
            Gendy3 [ar kr] 1 [] { ampdist(1.0) durdist(1.0) adparam(1.0) ddparam(1.0) frequency(440.0) ampscale(0.5) durscale(0.5) init_cps(12.0) knum(auto) }
            GrainBuf [ar] 1 [channels] { trigger(0.0) duration(1.0) buffer_id(req) rate(1.0) position(0.0) interpolate(2.0) pan(0.0) envelope_buffer_id(-1.0) maximum_overlap(512.0) }
            GrainIn [ar] 1 [channels] { trigger(0.0) duration(1.0) source(req) position(0.0) envelope_buffer_id(-1.0) maximum_overlap(512.0) }
            PitchShift [ar] 1 [] { source(req ar) window_size(0.2) pitch_ratio(1.0) pitch_dispersion(0.0) time_dispersion(0.0) }
            Warp1 [ar] 1 [channels] { buffer_id(0.0) pointer(0.0) frequency_scaling(1.0) window_size(0.2) envelope_buffer_id(-1.0) overlaps(8.0) window_rand_ratio(0.0) interpolation(1.0) }
            FreqShift [ar] 1 [] { source(req ar) frequency(0.0) phase(0.0) }
            Hilbert [ar] 2 [] { source(req ar) }
            BlockSize [ir] 1 [] {  }
            BufChannels [kr ir] 1 [] { buffer_id(req) }
            BufDur [kr ir] 1 [] { buffer_id(req) }
            BufFrames [kr ir] 1 [] { buffer_id(req) }
            BufRateScale [kr ir] 1 [] { buffer_id(req) }
            BufSampleRate [kr ir] 1 [] { buffer_id(req) }
            BufSamples [kr ir] 1 [] { buffer_id(req) }
            ControlDur [ir] 1 [] {  }
            ControlRate [ir] 1 [] {  }
            NodeID [ir] 1 [] {  }
            NumAudioBuses [ir] 1 [] {  }
            NumBuffers [ir] 1 [] {  }
            NumControlBuses [ir] 1 [] {  }
            NumInputBuses [ir] 1 [] {  }
            NumOutputBuses [ir] 1 [] {  }
            NumRunningSynths [kr ir] 1 [] {  }
            RadiansPerSample [ir] 1 [] {  }
            SampleDur [ir] 1 [] {  }
            SampleRate [ir] 1 [] {  }
            SubsampleOffset [ir] 1 [] {  }
            In [ar kr] 1 [input channels] { bus(0.0) }
            InFeedback [ar kr] 1 [input channels] { bus(0.0) }
            LocalIn [ar kr] 1 [channels] { default(array 0.0) }
            LocalOut [ar kr] 0 [] { source(array ar) }
            OffsetOut [ar] 0 [output] { bus(0.0) source(array ar) }
            Out [ar kr] 0 [output] { bus(0.0) source(array ar) }
            ReplaceOut [ar kr] 0 [output] { bus(0.0) source(array ar) }
            XOut [ar kr] 0 [output] { bus(0.0) crossfade(0.0) source(array ar) }
            A2K [kr] 1 [pure] { source(req) }
            AmpComp [ar kr ir] 1 [pure] { frequency(261.6255653005986) root(261.6255653005986) exp(0.3333) }
            AmpCompA [ar kr ir] 1 [pure] { frequency(1000.0) root(0.0) min_amp(0.32) root_amp(1.0) }
            DC [ar kr] 1 [pure] { source(req) }
            K2A [ar] 1 [pure] { source(req) }
            LinExp [ar kr] 1 [pure] { source(req) input_minimum(0.0) input_maximum(1.0) output_minimum(1.0) output_maximum(2.0) }
            Line [ar kr] 1 [done_flag] { start(0.0) stop(1.0) duration(1.0) done_action(0.0) }
            XLine [ar kr] 1 [done_flag] { start(1.0) stop(2.0) duration(1.0) done_action(0.0) }
            KeyState [kr] 1 [] { keycode(0.0) minimum(0.0) maximum(1.0) lag(0.2) }
            MouseButton [kr] 1 [] { minimum(0.0) maximum(1.0) lag(0.2) }
            MouseX [kr] 1 [] { minimum(0.0) maximum(1.0) warp(0.0) lag(0.2) }
            MouseY [kr] 1 [] { minimum(0.0) maximum(1.0) warp(0.0) lag(0.2) }
            BeatTrack [kr] 4 [] { pv_chain(req) lock(0.0) }
            BeatTrack2 [kr] 6 [] { bus_index(0.0) feature_count(req) window_size(2.0) phase_accuracy(0.02) lock(0.0) weighting_scheme(-2.1) }
            KeyTrack [kr] 1 [] { pv_chain(req) key_decay(2.0) chroma_leak(0.5) }
            Loudness [kr] 1 [] { pv_chain(req) smask(0.25) tmask(1.0) }
            MFCC [kr] 1 [] { pv_chain(req) coeff_count(13.0) }
            Onsets [kr] 1 [] { pv_chain(req) threshold(0.5) odftype(3.0) relaxtime(1.0) floor_(0.1) mingap(10.0) medianspan(11.0) whtype(1.0) rawodf(0.0) }
            Pitch [kr] 2 [] { source(req) initial_frequency(440.0) min_frequency(60.0) max_frequency(4000.0) exec_frequency(100.0) max_bins_per_octave(16.0) median(1.0) amplitude_threshold(0.01) peak_threshold(0.5) down_sample_factor(1.0) clarity(0.0) }
            SpecCentroid [kr] 1 [] { pv_chain(req) }
            SpecFlatness [kr] 1 [] { pv_chain(req) }
            SpecPcile [kr] 1 [] { pv_chain(req) fraction(0.5) interpolate(0.0) binout(0.0) }
            BrownNoise [ar kr] 1 [] {  }
            ClipNoise [ar kr] 1 [] {  }
            CoinGate [ar kr] 1 [] { probability(0.5) trigger(req) }
            Crackle [ar kr] 1 [] { chaos_parameter(1.5) }
            Dust [ar kr] 1 [] { density(0.0) }
            Dust2 [ar kr] 1 [] { density(0.0) }
            ExpRand [ir] 1 [] { minimum(0.01) maximum(1.0) }
            GrayNoise [ar kr] 1 [] {  }
            Hasher [ar kr] 1 [] { source(req) }
            IRand [ir] 1 [] { minimum(0.0) maximum(127.0) }
            LFClipNoise [ar kr] 1 [] { frequency(500.0) }
            LFDClipNoise [ar kr] 1 [] { frequency(500.0) }
            LFDNoise0 [ar kr] 1 [] { frequency(500.0) }
            LFDNoise1 [ar kr] 1 [] { frequency(500.0) }
            LFDNoise3 [ar kr] 1 [] { frequency(500.0) }
            LFNoise0 [ar kr] 1 [] { frequency(500.0) }
            LFNoise1 [ar kr] 1 [] { frequency(500.0) }
            LFNoise2 [ar kr] 1 [] { frequency(500.0) }
            LinRand [ir] 1 [] { minimum(0.0) maximum(1.0) skew(0.0) }
            Logistic [ar kr] 1 [] { chaos_parameter(3.0) frequency(1000.0) initial_y(0.5) }
            MantissaMask [ar kr] 1 [] { source(0.0) bits(3.0) }
            NRand [ir] 1 [] { minimum(0.0) maximum(1.0) n(0.0) }
            PinkNoise [ar kr] 1 [] {  }
            Rand [ir] 1 [] { minimum(0.0) maximum(1.0) }
            RandID [kr ir] 1 [width_first] { rand_id(0.0) }
            RandSeed [ar kr ir] 1 [width_first] { trigger(0.0) seed(56789.0) }
            TExpRand [ar kr] 1 [] { minimum(0.01) maximum(1.0) trigger(0.0) }
            TIRand [ar kr] 1 [] { minimum(0.0) maximum(127.0) trigger(0.0) }
            TRand [ar kr] 1 [] { minimum(0.0) maximum(1.0) trigger(0.0) }
            TWindex [ar kr] 1 [] { trigger(req) normalize(0.0) array(array) }
            WhiteNoise [ar kr] 1 [] {  }
            COsc [ar kr] 1 [pure] { buffer_id(req) frequency(440.0) beats(0.5) }
            DegreeToKey [ar kr] 1 [pure] { buffer_id(req) source(req) octave(12.0) }
            Impulse [ar kr] 1 [pure] { frequency(440.0) phase(0.0) }
            Index [ar kr] 1 [pure] { buffer_id(req) source(req) }
            LFCub [ar kr] 1 [pure] { frequency(440.0) initial_phase(0.0) }
            LFGauss [ar kr] 1 [pure] { duration(1.0) width(0.1) initial_phase(0.0) r#loop(1.0) done_action(0.0) }
            LFPar [ar kr] 1 [pure] { frequency(440.0) initial_phase(0.0) }
            LFPulse [ar kr] 1 [pure] { frequency(440.0) initial_phase(0.0) width(0.5) }
            LFSaw [ar kr] 1 [pure] { frequency(440.0) initial_phase(0.0) }
            LFTri [ar kr] 1 [pure] { frequency(440.0) initial_phase(0.0) }
            Osc [ar kr] 1 [pure] { buffer_id(req) frequency(440.0) initial_phase(0.0) }
            OscN [ar kr] 1 [pure] { buffer_id(req) frequency(440.0) initial_phase(0.0) }
            Select [ar kr] 1 [pure] { selector(req) sources(array ar) }
            SinOsc [ar kr] 1 [pure] { frequency(440.0) phase(0.0) }
            SyncSaw [ar kr] 1 [pure] { sync_frequency(440.0) saw_frequency(440.0) }
            VOsc [ar kr] 1 [pure] { buffer_id(req) frequency(440.0) phase(0.0) }
            VOsc3 [ar kr] 1 [pure] { buffer_id(req) freq_1(110.0) freq_2(220.0) freq_3(440.0) }
            VarSaw [ar kr] 1 [pure] { frequency(440.0) initial_phase(0.0) width(0.5) }
            Vibrato [ar kr] 1 [pure] { frequency(440.0) rate(6.0) depth(0.02) delay(0.0) onset(0.0) rate_variation(0.04) depth_variation(0.1) initial_phase(0.0) trigger(0.0) }
            WrapIndex [ar kr] 1 [pure] { buffer_id(req) source(req) }
            Balance2 [ar kr] 2 [] { left(req ar) right(req ar) position(0.0) level(1.0) }
            BiPanB2 [ar kr] 3 [] { in_a(req ar) in_b(req ar) azimuth(req) gain(1.0) }
            DecodeB2 [ar kr] 4 [channels] { w(req ar) x(req ar) y(req ar) orientation(0.5) }
            Pan2 [ar kr] 2 [] { source(req ar) position(0.0) level(1.0) }
            Pan4 [ar kr] 4 [] { source(req ar) x_position(0.0) y_position(0.0) gain(1.0) }
            PanAz [ar kr] 1 [channels] { source(req ar) position(0.0) amplitude(1.0) width(2.0) orientation(0.5) }
            PanB [ar kr] 4 [] { source(req ar) azimuth(0.0) elevation(0.0) gain(1.0) }
            PanB2 [ar kr] 3 [] { source(req ar) azimuth(0.0) gain(1.0) }
            Rotate2 [ar kr] 2 [] { x(req ar) y(req ar) position(0.0) }
            XFade2 [ar kr] 1 [] { in_a(req ar) in_b(req ar) pan(0.0) level(1.0) }
            Ball [ar kr] 1 [] { source(req) gravity(1.0) damping(0.0) friction(0.01) }
            Pluck [ar] 1 [] { source(req ar) trigger(req) maximum_delay_time(0.2) delay_time(0.2) decay_time(1.0) coefficient(0.5) }
            Spring [ar kr] 1 [] { source(req) spring(1.0) damping(0.0) }
            TBall [ar kr] 1 [] { source(req) gravity(10.0) damping(0.0) friction(0.01) }
            FFT [kr] 1 [width_first] { buffer_id(auto) source(req) hop(0.5) window_type(0.0) active(1.0) window_size(0.0) }
            IFFT [ar kr] 1 [width_first] { pv_chain(req) window_type(0.0) window_size(0.0) }
            PV_Add [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_BinScramble [kr] 1 [width_first] { pv_chain(req) wipe(0.0) width(0.2) trigger(0.0) }
            PV_BinShift [kr] 1 [width_first] { pv_chain(req) stretch(1.0) shift(0.0) interpolate(0.0) }
            PV_BinWipe [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) wipe(0.0) }
            PV_BrickWall [kr] 1 [width_first] { pv_chain(req) wipe(0.0) }
            PV_ConformalMap [kr] 1 [width_first] { pv_chain(req) areal(0.0) aimag(0.0) }
            PV_Conj [kr] 1 [width_first] { pv_chain(req) }
            PV_Copy [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_CopyPhase [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_Diffuser [kr] 1 [width_first] { pv_chain(req) trigger(0.0) }
            PV_Div [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_HainsworthFoote [kr] 1 [width_first] { pv_chain(req) proph(0.0) propf(0.0) threshold(1.0) waittime(0.04) }
            PV_JensenAndersen [kr] 1 [width_first] { pv_chain(req) propsc(0.25) prophfe(0.25) prophfc(0.25) propsf(0.25) threshold(1.0) waittime(0.04) }
            PV_LocalMax [kr] 1 [width_first] { pv_chain(req) threshold(0.0) }
            PV_MagAbove [kr] 1 [width_first] { pv_chain(req) threshold(0.0) }
            PV_MagBelow [kr] 1 [width_first] { pv_chain(req) threshold(0.0) }
            PV_MagClip [kr] 1 [width_first] { pv_chain(req) threshold(0.0) }
            PV_MagDiv [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) zeroed(0.0001) }
            PV_MagFreeze [kr] 1 [width_first] { pv_chain(req) freeze(0.0) }
            PV_MagMul [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_MagNoise [kr] 1 [width_first] { pv_chain(req) }
            PV_MagShift [kr] 1 [width_first] { pv_chain(req) stretch(1.0) shift(0.0) }
            PV_MagSmear [kr] 1 [width_first] { pv_chain(req) bins(0.0) }
            PV_MagSquared [kr] 1 [width_first] { pv_chain(req) }
            PV_Max [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_Min [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_Mul [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) }
            PV_PhaseShift [kr] 1 [width_first] { pv_chain(req) shift(req) integrate(0.0) }
            PV_PhaseShift270 [kr] 1 [width_first] { pv_chain(req) }
            PV_PhaseShift90 [kr] 1 [width_first] { pv_chain(req) }
            PV_RandComb [kr] 1 [width_first] { pv_chain(req) wipe(0.0) trigger(0.0) }
            PV_RandWipe [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) wipe(0.0) trigger(0.0) }
            PV_RectComb [kr] 1 [width_first] { pv_chain(req) num_teeth(0.0) phase(0.0) width(0.5) }
            PV_RectComb2 [kr] 1 [width_first] { pv_chain_a(req) pv_chain_b(req) num_teeth(0.0) phase(0.0) width(0.5) }
            RunningSum [ar kr] 1 [] { source(req) sample_count(40.0) }
            FreeVerb [ar] 1 [] { source(req ar) mix(0.33) room_size(0.5) damping(0.5) }
            CheckBadValues [ar kr] 1 [] { source(req ar) ugen_id(0.0) post_mode(2.0) }
            Sanitize [ar kr] 1 [] { source(req ar) replace(0.0) }
            Clip [ar kr ir] 1 [] { source(req ar) minimum(0.0) maximum(1.0) }
            Fold [ar kr ir] 1 [] { source(req ar) minimum(0.0) maximum(1.0) }
            Gate [ar kr] 1 [] { source(req) trigger(0.0) }
            InRange [ar kr ir] 1 [] { source(req ar) minimum(0.0) maximum(1.0) }
            Latch [ar kr] 1 [] { source(req) trigger(0.0) }
            LeastChange [ar kr] 1 [] { a(0.0) b(0.0) }
            MostChange [ar kr] 1 [] { a(0.0) b(0.0) }
            Peak [ar kr] 1 [] { source(req) trigger(0.0) }
            PeakFollower [ar kr] 1 [] { source(req) decay(0.999) }
            Phasor [ar kr] 1 [] { trigger(0.0) rate(1.0) start(0.0) stop(1.0) reset_pos(0.0) }
            Poll [ar kr] 1 [] { trigger(req ar) source(req) trigger_id(-1.0) label(array auto) }
            RunningMax [ar kr] 1 [] { source(req) trigger(0.0) }
            RunningMin [ar kr] 1 [] { source(req) trigger(0.0) }
            Schmidt [ar kr] 1 [] { source(req ar) minimum(0.0) maximum(1.0) }
            SendPeakRMS [ar kr] 0 [] { reply_rate(20.0) peak_lag(3.0) reply_id(-1.0) source_size(auto) source(array ar) character_count(auto) character(array) }
            SendReply [ar kr] 0 [] { trigger(req ar) reply_id(-1.0) character_count(auto) character(array) source(array) }
            SendTrig [ar kr] 1 [] { trigger(req ar) id_(0.0) value(0.0) }
            Sweep [ar kr] 1 [] { trigger(0.0) rate(1.0) }
            TDelay [ar kr] 1 [] { source(req ar) duration(0.1) }
            ToggleFF [ar kr] 1 [] { trigger(0.0) }
            Trig1 [ar kr] 1 [] { source(req) duration(0.1) }
            Trig [ar kr] 1 [] { source(req) duration(0.1) }
            Wrap [ar kr ir] 1 [] { source(req ar) minimum(0.0) maximum(1.0) }
            ZeroCrossing [ar kr] 1 [] { source(req ar) }
            SinOscFB [ar kr] 1 [pure] { frequency(440.0) feedback(0.0) }
            Formant [ar] 1 [pure] { fundamental_frequency(440.0) formant_frequency(1760.0) bandwidth_frequency(880.0) }
            Stepper [ar kr] 1 [] { trigger(ar 0.0) reset(0.0) minimum(0.0) maximum(7.0) step(1.0) reset_value(0.0) }
            PulseCount [ar kr] 1 [] { trigger(ar 0.0) reset(0.0) }
            PulseDivider [ar kr] 1 [] { trigger(0.0) div(2.0) start(0.0) }
            SetResetFF [ar kr] 1 [] { trigger(ar 0.0) reset(0.0) }
            Timer [ar kr] 1 [] { trigger(ar 0.0) }
            LinPan2 [ar kr] 2 [] { source(req ar) position(0.0) level(1.0) }
            LinXFade2 [ar kr] 1 [] { in_a(req ar) in_b(req ar) pan(0.0) }
            GVerb [ar] 2 [] { source(req ar) room_size(10.0) reverb_time(3.0) damping(0.5) input_bandwidth(0.5) spread(15.0) dry_level(1.0) early_reflection_level(0.7) tail_level(0.5) maximum_room_size(300.0) }
            TGrains [ar] 2 [channels] { trigger(0.0) buffer_id(0.0) rate(1.0) center_position(0.0) duration(0.1) pan(0.0) amplitude(0.1) interpolation(4.0) }
            T2A [ar] 1 [] { source(0.0) offset(0.0) }
            Shaper [ar kr] 1 [pure] { buffer_id(req) source(0.0) }
        }
    };
}

pub(crate) use catalogue_rows;
