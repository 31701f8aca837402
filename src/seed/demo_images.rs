//! The demo newsroom's pictures, drawn here rather than shipped: a hemicycle of seats, a row
//! of flags, and a bar chart, so `serve --demo` shows the asset library and its renditions
//! without a file of anyone else's.

use image::{ImageFormat, Rgb, RgbImage};

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 900;

fn sky(y: u32) -> Rgb<u8> {
    let t = y as f32 / HEIGHT as f32;
    Rgb([
        (30.0 + 60.0 * t) as u8,
        (60.0 + 80.0 * t) as u8,
        (120.0 + 90.0 * t) as u8,
    ])
}

/// A parliament's seats in rows of a half circle, coloured by group.
fn hemicycle() -> RgbImage {
    let groups = [
        Rgb([0, 82, 155]),
        Rgb([220, 50, 50]),
        Rgb([250, 200, 40]),
        Rgb([60, 160, 80]),
        Rgb([120, 80, 160]),
    ];
    let (cx, cy) = (WIDTH as f32 / 2.0, HEIGHT as f32 * 0.85);
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (dx, dy) = (x as f32 - cx, cy - y as f32);
        let r = (dx * dx + dy * dy).sqrt();
        if dy < 0.0 || !(200.0..700.0).contains(&r) {
            return sky(y);
        }
        let ring = ((r - 200.0) / 50.0).floor();
        let within = (r - 200.0) - ring * 50.0;
        let angle = dy.atan2(dx) / std::f32::consts::PI;
        let seats = 20.0 + ring * 6.0;
        let seat = (angle * seats).fract();
        if !(8.0..42.0).contains(&within) || !(0.15..0.85).contains(&seat) {
            return sky(y);
        }
        groups[((angle * groups.len() as f32) as usize).min(groups.len() - 1)]
    })
}

/// Flags on poles along a street.
fn flags() -> RgbImage {
    let colours = [
        [Rgb([0, 51, 153]), Rgb([255, 204, 0]), Rgb([0, 51, 153])],
        [Rgb([0, 0, 0]), Rgb([221, 0, 0]), Rgb([255, 206, 0])],
        [Rgb([0, 85, 164]), Rgb([255, 255, 255]), Rgb([239, 65, 53])],
        [Rgb([174, 28, 40]), Rgb([255, 255, 255]), Rgb([33, 70, 139])],
        [Rgb([0, 146, 70]), Rgb([255, 255, 255]), Rgb([206, 43, 55])],
    ];
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let slot = x / 320;
        let local = x % 320;
        if (40..52).contains(&local) && y > 150 {
            return Rgb([90, 90, 90]);
        }
        let wave = ((x as f32 / 40.0).sin() * 12.0) as i32;
        let top = 170 + wave;
        let (fx, fy) = (local as i32 - 52, y as i32 - top);
        if (0..230).contains(&fx) && (0..150).contains(&fy) {
            let band = (fy / 50) as usize;
            return colours[slot as usize % colours.len()][band.min(2)];
        }
        if y > 700 { Rgb([70, 70, 75]) } else { sky(y) }
    })
}

/// Bars of a chart, rising.
fn chart() -> RgbImage {
    let heights = [260, 340, 300, 420, 480, 450, 560, 620];
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let bar = (x.saturating_sub(120)) / 170;
        let within = (x.saturating_sub(120)) % 170;
        if x >= 120 && (bar as usize) < heights.len() && within < 120 {
            let top = 800 - heights[bar as usize];
            if y >= top && y < 800 {
                return Rgb([20, 110 + (bar as u8) * 15, 160]);
            }
        }
        if y == 800 || (y % 100 == 0 && y < 800) {
            Rgb([200, 200, 205])
        } else {
            Rgb([245, 245, 240])
        }
    })
}

/// The pictures, as JPEG files, with what the library says of each.
pub fn pictures() -> Vec<(Vec<u8>, &'static str, &'static str)> {
    let encode = |image: RgbImage| {
        let mut out = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Jpeg)
            .map(|_| out)
    };
    [
        (flags(), "Flags of member states on poles along a street"),
        (
            hemicycle(),
            "The seats of a parliament's hemicycle, coloured by political group",
        ),
        (chart(), "A bar chart rising from left to right"),
    ]
    .into_iter()
    .filter_map(|(image, alt)| Some((encode(image).ok()?, alt, "Byline demo, drawn")))
    .collect()
}
