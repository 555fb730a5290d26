//! Clean photos: what a phone writes beside the picture (EXIF with the GPS position and the
//! device's serial, XMP, Photoshop blocks, comments, PNG text chunks) is cut out before a
//! photo is kept or forwarded. Segment surgery only: the compressed picture is copied byte
//! for byte, never decoded and encoded again. JPEG keeps its orientation (a minimal EXIF
//! with that one tag, so the photo is not shown on its side) and its colour profile; a
//! format this cannot clean (HEIC, TIFF, GIF, WebP) is refused rather than kept as sent.

use std::borrow::Cow;

/// What was sent, cleaned; or why it cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleaned<'a> {
    /// A JPEG or PNG without its metadata, and its true MIME type.
    Photo { bytes: Vec<u8>, mime: &'static str },
    /// Not a picture (a PDF letter, a document): kept as it came.
    NotAPhoto(Cow<'a, [u8]>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// An image format whose metadata cannot be cut out here.
    #[error("image format {0} cannot be cleaned of its metadata")]
    Format(String),
    /// A JPEG or PNG whose structure is broken.
    #[error("the image is damaged")]
    Damaged,
}

/// Clean `bytes`, sent as `mime`. Pictures are recognised by their bytes, not by the MIME
/// type a client claims: a photo sent "as a file" carries its EXIF all the same.
pub fn clean<'a>(bytes: &'a [u8], mime: &str) -> Result<Cleaned<'a>, Refused> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Cleaned::Photo { bytes: clean_jpeg(bytes)?, mime: "image/jpeg" });
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(Cleaned::Photo { bytes: clean_png(bytes)?, mime: "image/png" });
    }
    if let Some(format) = other_image(bytes, mime) {
        return Err(Refused::Format(format));
    }
    Ok(Cleaned::NotAPhoto(Cow::Borrowed(bytes)))
}

/// Formats that carry EXIF or XMP and are not cut here, by MIME type.
const UNCLEANABLE: [(&str, &str); 6] = [
    ("image/heic", "HEIC"),
    ("image/heif", "HEIF"),
    ("image/avif", "AVIF"),
    ("image/tiff", "TIFF"),
    ("image/gif", "GIF"),
    ("image/webp", "WebP"),
];

/// The name of an image format that may carry metadata and is not JPEG or PNG, by its bytes
/// or its MIME type. Bytes that are no picture at all, whatever their claimed type, carry
/// no metadata a viewer would read and pass as documents.
fn other_image(bytes: &[u8], mime: &str) -> Option<String> {
    let by_bytes = if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some("HEIC")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.starts_with(b"GIF8") {
        Some("GIF")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("WebP")
    } else {
        None
    };
    let mime = mime.trim().to_ascii_lowercase();
    by_bytes.or_else(|| UNCLEANABLE.iter().find(|(m, _)| *m == mime).map(|(_, name)| *name)).map(str::to_owned)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The PNG chunks kept: the picture, palette, transparency, colour, pixel size and animation.
/// Everything else goes: text, EXIF and time chunks, and private chunks whose content no one
/// can vouch for.
const PNG_KEPT: [&[u8; 4]; 20] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs",
    b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCv", b"cLLi",
];

fn clean_png(bytes: &[u8]) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut at = PNG_SIGNATURE.len();
    loop {
        let header = bytes.get(at..at + 8).ok_or(Refused::Damaged)?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let end = at.checked_add(12 + len).filter(|&end| end <= bytes.len()).ok_or(Refused::Damaged)?;
        if PNG_KEPT.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
        // Whatever follows the end is not the picture.
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// JPEG markers without a length.
fn standalone(marker: u8) -> bool {
    matches!(marker, 0x01 | 0xD0..=0xD7 | 0xD8 | 0xD9)
}

fn clean_jpeg(bytes: &[u8]) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    let mut at = 2;
    loop {
        // Fill bytes (0xFF repeated) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = match bytes.get(at..at + 2) {
            Some([0xFF, marker]) => *marker,
            _ => return Err(Refused::Damaged),
        };
        if marker == 0xD9 {
            // The end of the picture; a trailer after it (a maker's data) is dropped.
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Ok(out);
        }
        if standalone(marker) {
            out.extend_from_slice(&bytes[at..at + 2]);
            at += 2;
            continue;
        }
        let len =
            bytes.get(at + 2..at + 4).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize).ok_or(Refused::Damaged)?;
        let end = (at + 2).checked_add(len).filter(|&end| len >= 2 && end <= bytes.len()).ok_or(Refused::Damaged)?;
        let body = &bytes[at + 4..end];
        match marker {
            0xE1 => {
                if orientation.is_none() {
                    orientation = exif_orientation(body);
                }
            }
            // APP2 keeps only a colour profile; APP0 (JFIF) and APP14 (Adobe's colour
            // transform) decide how the picture decodes.
            0xE2 if body.starts_with(b"ICC_PROFILE\0") => out.extend_from_slice(&bytes[at..end]),
            0xE0 | 0xEE => out.extend_from_slice(&bytes[at..end]),
            0xE2..=0xEF | 0xFE => {}
            0xDA => {
                // The start of a scan: once the JFIF header (if any) is out, put the
                // orientation back before the first frame's data.
                out.extend_from_slice(&bytes[at..end]);
                let data_end = scan_end(bytes, end);
                out.extend_from_slice(&bytes[end..data_end]);
                at = data_end;
                continue;
            }
            _ => {
                if (0xC0..=0xCF).contains(&marker)
                    && marker != 0xC4
                    && marker != 0xC8
                    && marker != 0xCC
                    && let Some(value) = orientation.take().filter(|&v| v != 1)
                {
                    out.extend_from_slice(&orientation_segment(value));
                }
                out.extend_from_slice(&bytes[at..end]);
            }
        }
        at = end;
    }
}

/// Where a scan's entropy-coded data ends: at the first marker that is not a stuffed zero
/// or a restart.
fn scan_end(bytes: &[u8], mut at: usize) -> usize {
    while at + 1 < bytes.len() {
        if bytes[at] == 0xFF && !matches!(bytes[at + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
            return at;
        }
        at += 1;
    }
    bytes.len()
}

/// The Orientation tag (0x0112) of IFD0 in an APP1 EXIF body, if there is one.
fn exif_orientation(body: &[u8]) -> Option<u16> {
    let tiff = body.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..4)? {
        b"MM\0*" => true,
        b"II*\0" => false,
        _ => return None,
    };
    let u16_at = |i: usize| {
        tiff.get(i..i + 2)
            .map(|b| if big { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    };
    let u32_at = |i: usize| {
        tiff.get(i..i + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count.min(512)).map(|i| ifd + 2 + i * 12).find(|&e| u16_at(e) == Some(0x0112)).and_then(|e| u16_at(e + 8))
}

/// An APP1 EXIF segment holding only the orientation.
fn orientation_segment(value: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0*");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&value.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let len = (2 + 6 + tiff.len()) as u16;
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&len.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    /// EXIF with an orientation of 6 and a GPS latitude reference, little-endian.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&0x0112u16.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&u32::from(orientation).to_le_bytes());
        tiff.extend_from_slice(&0x8825u16.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(b"GPS -6.8048 110.8405 SERIAL-XYZ");
        let mut body = b"Exif\0\0".to_vec();
        body.extend_from_slice(&tiff);
        body
    }

    fn jpeg(orientation: u16) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(segment(0xE1, &exif(orientation)));
        j.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Nikon</x:xmpmeta>"));
        j.extend(segment(0xFE, b"a comment"));
        j.extend(segment(0xDB, &[0; 65]));
        j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        j.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(b"TRAILER GPS");
        j
    }

    #[test]
    fn a_jpeg_loses_its_exif_xmp_comment_and_trailer_and_keeps_its_picture() {
        let Ok(Cleaned::Photo { bytes, mime }) = clean(&jpeg(1), "image/jpeg") else { panic!("not cleaned") };
        assert_eq!(mime, "image/jpeg");
        let text = String::from_utf8_lossy(&bytes);
        for gone in ["GPS", "Nikon", "comment", "TRAILER", "Exif"] {
            assert!(!text.contains(gone), "{gone} is still there");
        }
        // The scan's bytes, stuffed zero and restart marker included, are copied as they were.
        assert!(bytes.windows(7).any(|w| w == [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]));
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(bytes.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn a_turned_photo_keeps_only_its_orientation() {
        let Ok(Cleaned::Photo { bytes, .. }) = clean(&jpeg(6), "image/jpeg") else { panic!("not cleaned") };
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("GPS"));
        let start = bytes.windows(2).position(|w| w == [0xFF, 0xE1]).expect("an orientation segment");
        let len = u16::from_be_bytes([bytes[start + 2], bytes[start + 3]]) as usize;
        assert_eq!(exif_orientation(&bytes[start + 4..start + 2 + len]), Some(6));
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        png.extend(chunk(b"tEXt", b"Author\0Budi GPS"));
        png.extend(chunk(b"eXIf", b"MM\0*GPS"));
        png.extend(chunk(b"prVt", b"device serial"));
        png.extend(chunk(b"IDAT", b"pixels"));
        png.extend(chunk(b"IEND", b""));
        png.extend_from_slice(b"after the end");
        let Ok(Cleaned::Photo { bytes, mime }) = clean(&png, "image/png") else { panic!("not cleaned") };
        assert_eq!(mime, "image/png");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("IHDR") && text.contains("IDAT") && text.contains("pixels"));
        for gone in ["tEXt", "Budi", "eXIf", "GPS", "prVt", "serial", "after the end"] {
            assert!(!text.contains(gone), "{gone} is still there");
        }
    }

    #[test]
    fn formats_it_cannot_clean_are_refused_and_documents_pass() {
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0");
        assert_eq!(clean(&heic, "application/octet-stream"), Err(Refused::Format("HEIC".into())));
        assert_eq!(clean(b"GIF89a....", "image/gif"), Err(Refused::Format("GIF".into())));
        assert_eq!(clean(b"II*\0....", "image/tiff"), Err(Refused::Format("TIFF".into())));
        assert_eq!(clean(b"????", "image/heic"), Err(Refused::Format("HEIC".into())));
        assert_eq!(
            clean(b"\xff\xd8 no picture", "image/jpeg"),
            Ok(Cleaned::NotAPhoto(Cow::Borrowed(&b"\xff\xd8 no picture"[..])))
        );
        let pdf = b"%PDF-1.7 letter";
        assert_eq!(clean(pdf, "application/pdf"), Ok(Cleaned::NotAPhoto(Cow::Borrowed(&pdf[..]))));
        assert_eq!(clean(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF], "image/jpeg"), Err(Refused::Damaged));
    }
}
