//! Music relations the rules, orders and reasons share: keys on the Camelot wheel and tempi
//! folded into one octave (half and double time count as the same pulse).

/// The Camelot code's number (1–12) and letter ('A' minor, 'B' major).
fn camelot_parts(code: &str) -> Option<(u8, char)> {
    let letter = code.chars().last()?;
    let number: u8 = code[..code.len() - 1].parse().ok()?;
    ((1..=12).contains(&number) && matches!(letter, 'A' | 'B')).then_some((number, letter))
}

/// How two keys relate on the Camelot wheel, if they mix well.
pub fn key_relation(a: &str, b: &str) -> Option<&'static str> {
    let (na, la) = camelot_parts(a)?;
    let (nb, lb) = camelot_parts(b)?;
    let step = (i32::from(na) - i32::from(nb)).rem_euclid(12);
    match (la == lb, step) {
        (true, 0) => Some("same key"),
        (true, 1) | (true, 11) => Some("adjacent key"),
        (false, 0) => Some("relative key"),
        _ => None,
    }
}

/// The tempo ratio folded into one octave around 1 (0.75–1.5): 170 against 85 is 1.0.
pub(crate) fn folded_ratio(bpm: f64, reference: f64) -> f64 {
    let mut r = bpm / reference;
    while r > 1.5 {
        r /= 2.0;
    }
    while r < 0.75 {
        r *= 2.0;
    }
    r
}
