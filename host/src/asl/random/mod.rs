//! Pseudo-random generators the language needs, each written once.
//!
//! Owns: [`JavaRandom`] (`java.util.Random`, the generator AWS seeds `States.MathRandom` with,
//! reproduced bit for bit) and [`SplitMix64`] (the seeded generator of an execution and of
//! JSONata's `$random`, `$shuffle` and `$uuid`, so that replaying an execution draws the same
//! numbers).
//! Must not: read a clock or the operating system's entropy, or keep global state: every
//! generator is a value its owner seeds and carries.

#[cfg(test)]
mod tests;

/// `java.util.Random`: the 48-bit linear congruential generator of the JDK.
#[derive(Debug, Clone)]
pub struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    /// `new Random(seed)`.
    pub fn new(seed: i64) -> Self {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    /// `next(bits)`: the top `bits` bits of the next state.
    pub fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)` for `bound > 0`, reproducing Java's rejection loop bit for bit.
    pub fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound.wrapping_sub(1);
        if bound & m == 0 {
            ((i64::from(bound) * i64::from(r)) >> 31) as i32
        } else {
            let mut u = r;
            loop {
                r = u % bound;
                if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                    break r;
                }
                u = self.next(31);
            }
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood): 64 bits of state, a full period, and output good enough
/// for jitter, UUIDs and shuffles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The current state, to persist or to carry in a `Cell`.
    pub fn state(self) -> u64 {
        self.0
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(Self::GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1), from the top 53 bits of the next draw.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
