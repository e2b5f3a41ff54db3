//! CRC-32C (Castagnoli) and TensorFlow's masking of it: every block of the index file and every
//! tensor of the data shard carries a masked crc32c, checked before anything is used.

use crc::{Crc, Table, CRC_32_ISCSI};

/// CRC-32C (Castagnoli), as used by LevelDB tables and TF bundles (slice-by-16 tables).
static CASTAGNOLI: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_ISCSI);

/// TF's masking of stored crc32c values (`crc32c::Mask`).
pub fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Masked CRC-32C of `data`, as stored in bundle entries.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask_crc(CASTAGNOLI.checksum(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_matches_tf() {
        // crc32c("123456789") = 0xe3069283 (the CRC-32C check value).
        assert_eq!(CASTAGNOLI.checksum(b"123456789"), 0xe306_9283);
        let m = mask_crc(0xe306_9283);
        let rot = m.wrapping_sub(0xa282_ead8);
        assert_eq!(rot.rotate_left(15), 0xe306_9283);
    }
}
