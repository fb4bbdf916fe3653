use super::*;

#[test]
fn java_random_matches_the_jdk() {
    // new Random(0).nextInt() == -1155484576 and new Random(42).nextInt(10) == 0 in Java.
    assert_eq!(JavaRandom::new(0).next(32), -1_155_484_576);
    assert_eq!(JavaRandom::new(42).next_int(10), 0);
    // Power-of-two bounds take the multiply-shift path.
    let mut r = JavaRandom::new(7);
    for _ in 0..100 {
        let v = r.next_int(16);
        assert!((0..16).contains(&v));
    }
}

#[test]
fn splitmix64_matches_the_reference_sequence() {
    // The reference implementation (Vigna's splitmix64.c) seeded with 0.
    let mut r = SplitMix64::new(0);
    assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    assert_eq!(r.next_u64(), 0x06C4_5D18_8009_454F);
    assert_eq!(r.state(), 3u64.wrapping_mul(SplitMix64::GAMMA));
}

#[test]
fn splitmix64_fractions_are_in_the_unit_interval() {
    let mut r = SplitMix64::new(42);
    for _ in 0..1000 {
        let f = r.next_f64();
        assert!((0.0..1.0).contains(&f));
    }
}
