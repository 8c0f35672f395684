//! Contact sheet of generated images, to look at a generation as a reviewer would:
//! `cargo run -p docgate-fixtures --release --example contact_sheet -- OUT.jpg TILE_PX FILE...`
//! Each file becomes one tile (aspect kept); PDFs and unreadable files are skipped.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, rest) = args
        .split_first()
        .ok_or("usage: contact_sheet OUT.jpg TILE_PX FILE...")?;
    let (tile, files) = rest.split_first().ok_or("missing TILE_PX")?;
    let tile: u32 = tile.parse()?;
    let imgs: Vec<image::RgbImage> = files
        .iter()
        .filter_map(|f| image::open(f).ok())
        .map(|i| i.thumbnail(tile, tile).to_rgb8())
        .collect();
    let cols = (imgs.len() as f64).sqrt().ceil().max(1.0) as u32;
    let rows = (imgs.len() as u32).div_ceil(cols);
    let mut sheet = image::RgbImage::from_pixel(
        cols * (tile + 8),
        rows.max(1) * (tile + 8),
        image::Rgb([60, 60, 60]),
    );
    for (i, im) in imgs.iter().enumerate() {
        let (c, r) = (i as u32 % cols, i as u32 / cols);
        image::imageops::overlay(
            &mut sheet,
            im,
            (c * (tile + 8) + 4) as i64,
            (r * (tile + 8) + 4) as i64,
        );
    }
    sheet.save(out)?;
    Ok(())
}
