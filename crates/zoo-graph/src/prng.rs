//! The portable random numbers behind zoo's reference weights.
//!
//! SplitMix64 (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number Generators",
//! OOPSLA 2014) used as a counter-based generator: word `j` of a tensor's stream is
//! `mix(key + (j + 1) · γ)` with `key = mix(seed ⊕ FNV-1a-64(tensor name))`, and each word
//! gives two elements: element `2j` takes its high 32 bits, element `2j + 1` its low 32 bits,
//! of which the top 24 (an f32's precision) make a uniform `u = bits / 2²⁴` in [0, 1).
//! Every element is a pure function of (seed, name, index), so the bytes are the same on every
//! machine, for any thread count and any chunking, and a tensor can be produced piecewise
//! while it is written. Integer arithmetic only up to the final scaling
//! `f32(low + (high − low) · u)`, done in IEEE-754 f64, whose `+`, `·` and `√` are exactly
//! rounded everywhere (no transcendental functions, no fused multiply-add).

pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// 2⁻²⁴.
const UNIT: f64 = 1.0 / (1u64 << 24) as f64;

/// SplitMix64's finaliser (the variant of MurmurHash3's fmix64 that SplitMix64 uses).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, 64 bit, over the UTF-8 bytes of `s`.
pub fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3))
}

/// The stream of one named tensor under one seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    key: u64,
}

impl Stream {
    pub fn new(seed: u64, name: &str) -> Self {
        Stream { key: mix(seed ^ fnv1a(name)) }
    }

    /// The `i`-th 64-bit output.
    pub fn u64_at(self, i: u64) -> u64 {
        mix(self.key.wrapping_add(GAMMA.wrapping_mul(i.wrapping_add(1))))
    }

    /// Element `i` as a uniform f64 in [0, 1) with 24 random bits.
    pub fn unit_at(self, i: u64) -> f64 {
        let word = self.u64_at(i / 2);
        let half = if i.is_multiple_of(2) { word >> 32 } else { word & 0xFFFF_FFFF };
        (half >> 8) as f64 * UNIT
    }

    /// Fills `out` with U(low, high) for elements `offset..offset + out.len()`, rounded to f32.
    pub fn fill_uniform(self, offset: usize, low: f64, high: f64, out: &mut [f32]) {
        let span = high - low;
        let scale = |half: u64| (low + span * ((half >> 8) as f64 * UNIT)) as f32;
        let mut i = offset as u64;
        // An odd start takes the low half of its word alone.
        let out = match out.split_first_mut() {
            Some((first, rest)) if i % 2 == 1 => {
                *first = scale(self.u64_at(i / 2) & 0xFFFF_FFFF);
                i += 1;
                rest
            }
            _ => out,
        };
        let mut pairs = out.chunks_exact_mut(2);
        for pair in &mut pairs {
            let word = self.u64_at(i / 2);
            pair[0] = scale(word >> 32);
            pair[1] = scale(word & 0xFFFF_FFFF);
            i += 2;
        }
        if let [last] = pairs.into_remainder() {
            *last = scale(self.u64_at(i / 2) >> 32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // SplitMix64 seeded with 0 (state advanced by γ before mixing), as in Vigna's
        // reference implementation splitmix64.c.
        let s = Stream { key: 0 };
        assert_eq!(s.u64_at(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(s.u64_at(1), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(s.u64_at(2), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn fnv1a_reference_values() {
        assert_eq!(fnv1a(""), 0xCBF2_9CE4_8422_2325);
        assert_eq!(fnv1a("a"), 0xAF63_DC4C_8601_EC8C);
    }

    #[test]
    fn fixed_outputs_of_a_named_stream() {
        // Pinned: changing these changes every reference weight and checksum in zoo/.
        let s = Stream::new(0, "conv1.weight");
        let got: Vec<u64> = (0..3).map(|i| s.u64_at(i)).collect();
        assert_eq!(got, [0x1302_BFCD_88B1_7346, 0x819F_4487_FBF6_9D46, 0x2F5D_C3E2_8EC4_4AEA]);
        let mut v = [0f32; 4];
        s.fill_uniform(0, -1.0, 1.0, &mut v);
        let bits: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
        assert_eq!(bits, PINNED_CONV1);
    }

    #[test]
    fn chunking_does_not_change_values() {
        let s = Stream::new(42, "fc6.weight");
        let mut whole = vec![0f32; 1000];
        s.fill_uniform(0, -0.5, 0.5, &mut whole);
        for step in [1, 2, 77] {
            let mut parts = vec![0f32; 1000];
            for (k, chunk) in parts.chunks_mut(step).enumerate() {
                s.fill_uniform(k * step, -0.5, 0.5, chunk);
            }
            assert_eq!(whole, parts, "chunks of {step}");
        }
        let single: Vec<f32> = (0..1000).map(|i| (-0.5 + s.unit_at(i)) as f32).collect();
        assert_eq!(whole, single);
        assert!(whole.iter().all(|x| (-0.5..0.5).contains(x)));
        let mean = whole.iter().map(|&x| f64::from(x)).sum::<f64>() / 1000.0;
        assert!(mean.abs() < 0.05, "mean {mean}");
    }

    // Computed independently with a Python transcription of this module.
    const PINNED_CONV1: [u32; 4] = [3210345090, 1032525616, 1011851776, 1064824122];
}
