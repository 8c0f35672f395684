//! Red seals: round or oval red marks. Red ink pixels are grouped (after closing small gaps
//! between the ring, the characters and the star) into connected marks; a mark is a seal
//! when it is large enough, roughly round, ring-like (its ink sits along an ellipse all the
//! way round) and not a solid disc (a printed emblem or a red logo is solid).
//!
//! Why not a colour template of our seals: real seals differ in size, ink, text and
//! overlap with print; roundness, a ring and red ink are what every Chinese company and
//! authority seal shares.

use crate::work::Work;

/// A seal candidate in working pixels: centre, half-axes, score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RawSeal {
    pub center: [f64; 2],
    pub radii: [f64; 2],
    pub score: f64,
}

/// Whether a pixel is red ink: red clearly above green and blue (stamp ink, even faded or
/// thinned by downscaling), with green and blue alike, which is what separates red from the
/// orange-brown of wood, skin or leather (green well above blue).
#[inline]
pub(crate) fn is_red(p: [f32; 3]) -> bool {
    let m = p[1].max(p[2]);
    let excess = p[0] - m;
    p[0] >= 80.0 && excess >= 35.0 && (p[1] - p[2]).abs() <= 0.6 * excess
}

/// Finds seals whose diameter is at least `min_diameter` working pixels.
pub(crate) fn find(w: &Work, min_diameter: f64) -> Vec<RawSeal> {
    // Close gaps of up to ~1 % of the frame so that a seal's ring, text and star join.
    let r = ((w.w.max(w.h) as f64 * 0.006).round() as usize).max(1);
    // Everything below runs on the box around the red pixels (grown by the closing), not the
    // frame: red ink is a small part of most pages, and none of many.
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    for (i, p) in w.rgb.iter().enumerate() {
        if is_red(*p) {
            let (x, y) = (i % w.w, i / w.w);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        return Vec::new();
    }
    let (x0, y0) = (x0.saturating_sub(r), y0.saturating_sub(r));
    let (x1, y1) = ((x1 + r).min(w.w - 1), (y1 + r).min(w.h - 1));
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut red = vec![false; bw * bh];
    for (y, row) in red.chunks_mut(bw).enumerate() {
        let src = &w.rgb[(y0 + y) * w.w + x0..(y0 + y) * w.w + x1 + 1];
        for (m, p) in row.iter_mut().zip(src) {
            *m = is_red(*p);
        }
    }
    erase_lines(&mut red, bw, bh, (w.w, w.h));
    let mut out = find_in(&red, bw, bh, r, min_diameter);
    for s in &mut out {
        s.center[0] += x0 as f64;
        s.center[1] += y0 as f64;
    }
    out
}

/// Clears the long straight runs of red in `red` (`w × h`, inside a frame of `frame`
/// pixels): a licence's red-brown ornamental border lines, an invoice's brown table rules.
/// A seal stamped against such a line became one mark with it, neither round nor ring-like,
/// and was not found. A run is red along a row or column with gaps of at most 0.5 % of the
/// frame, over a quarter of the frame: a seal's ring meets a row or column in runs no
/// longer than its diameter, and only the run's own pixels are cleared (the rest of the row,
/// a seal on it included, stays).
fn erase_lines(red: &mut [bool], w: usize, h: usize, frame: (usize, usize)) {
    let gap = (frame.0.max(frame.1) / 200).max(2);
    // Runs along one line of pixels (`at(i)` is pixel i's index), as (first, last) ranges.
    let runs = |n: usize, len: usize, at: &dyn Fn(usize) -> usize, red: &[bool]| {
        let mut out = Vec::new();
        let mut run: Option<(usize, usize)> = None;
        for i in 0..n {
            if !red[at(i)] {
                continue;
            }
            run = match run {
                Some((a, last)) if i - last <= gap => Some((a, i)),
                Some((a, last)) => {
                    if (last - a) * 4 > len {
                        out.push((a, last));
                    }
                    Some((i, i))
                }
                None => Some((i, i)),
            };
        }
        if let Some((a, last)) = run.filter(|(a, last)| (last - a) * 4 > len) {
            out.push((a, last));
        }
        out
    };
    let mut clear = Vec::new();
    for y in 0..h {
        for (a, b) in runs(w, frame.0, &|x| y * w + x, red) {
            clear.extend((a..=b).map(|x| y * w + x));
        }
    }
    for x in 0..w {
        for (a, b) in runs(h, frame.1, &|y| y * w + x, red) {
            clear.extend((a..=b).map(|y| y * w + x));
        }
    }
    for i in clear {
        red[i] = false;
    }
}

/// [`find`] on a red-ink mask `w × h`, with the closing radius `r`.
fn find_in(red: &[bool], w: usize, h: usize, r: usize, min_diameter: f64) -> Vec<RawSeal> {
    let grown = dilate(red, w, h, r);
    let mut seen = vec![false; grown.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    let mut members = Vec::new();
    for start in 0..grown.len() {
        if !grown[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        members.clear();
        while let Some(i) = stack.pop() {
            members.push(i);
            let (x, y) = (i % w, i / w);
            let nb = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for j in nb.into_iter().flatten() {
                if grown[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        match judge(&members, red, w, r, min_diameter) {
            Some(s) => out.push(s),
            // The closing may have joined a seal to red print beside it (a border's ornament
            // a few pixels from the ring): the mark's own ink, closed less, may hold one.
            None if r > 1 => out.extend(closed_less(&members, red, w, r, min_diameter)),
            None => {}
        }
    }
    out.sort_by(|a, b| (b.radii[0] * b.radii[1]).total_cmp(&(a.radii[0] * a.radii[1])));
    out
}

/// Seals inside one mark that failed [`judge`]: its red ink alone, closed with a third of
/// the radius `r`.
fn closed_less(members: &[usize], red: &[bool], w: usize, r: usize, min_d: f64) -> Vec<RawSeal> {
    let ink: Vec<usize> = members.iter().copied().filter(|&i| red[i]).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    for &i in &ink {
        let (x, y) = (i % w, i / w);
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    // Too small to hold a seal: nothing to look for.
    if ink.is_empty() || ((x1 - x0 + 1).min(y1 - y0 + 1) as f64) < min_d {
        return Vec::new();
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut mask = vec![false; bw * bh];
    for &i in &ink {
        mask[(i / w - y0) * bw + (i % w - x0)] = true;
    }
    let mut out = find_in(&mask, bw, bh, r / 3, min_d);
    for s in &mut out {
        s.center[0] += x0 as f64;
        s.center[1] += y0 as f64;
    }
    out
}

/// Scores one connected red mark.
fn judge(members: &[usize], red: &[bool], w: usize, grow: usize, min_d: f64) -> Option<RawSeal> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    for &i in members {
        let (x, y) = (i % w, i / w);
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    // Undo the dilation on the box.
    let bw = (x1 - x0 + 1).saturating_sub(2 * grow) as f64;
    let bh = (y1 - y0 + 1).saturating_sub(2 * grow) as f64;
    if bw.min(bh) < min_d {
        return None;
    }
    let aspect = bw.max(bh) / bw.min(bh).max(1.0);
    if aspect > 1.7 {
        return None;
    }
    let (cx, cy) = ((x0 + x1) as f64 / 2.0 + 0.5, (y0 + y1) as f64 / 2.0 + 0.5);
    let (rx, ry) = (bw / 2.0, bh / 2.0);
    // Ink coverage of the ellipse, and how many of 16 sectors have ink on the rim.
    let mut ink = 0usize;
    let mut rim = [false; 16];
    for &i in members {
        if !red[i] {
            continue;
        }
        ink += 1;
        let (dx, dy) = (
            ((i % w) as f64 + 0.5 - cx) / rx,
            ((i / w) as f64 + 0.5 - cy) / ry,
        );
        let rr = (dx * dx + dy * dy).sqrt();
        if (0.75..=1.15).contains(&rr) {
            let a = dy.atan2(dx) + std::f64::consts::PI;
            let k = ((a / std::f64::consts::TAU * 16.0) as usize).min(15);
            rim[k] = true;
        }
    }
    let fill = ink as f64 / (std::f64::consts::PI * rx * ry).max(1.0);
    let ring = rim.iter().filter(|r| **r).count() as f64 / 16.0;
    // A solid disc (emblem, logo) is no seal; a few specks are no seal either.
    if !(0.04..=0.7).contains(&fill) || ring < 0.6 {
        return None;
    }
    let round = 1.0 / aspect;
    Some(RawSeal {
        center: [cx, cy],
        radii: [rx, ry],
        score: (ring * round).clamp(0.0, 1.0),
    })
}

/// Binary dilation by a square of half-size `r` (separable: rows, then columns).
fn dilate(m: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let mut rows = vec![false; m.len()];
    for y in 0..h {
        let row = &m[y * w..(y + 1) * w];
        // Distance to the last set pixel, scanning both ways.
        let mut last: Option<usize> = None;
        for x in 0..w {
            if row[x] {
                last = Some(x);
            }
            if last.is_some_and(|l| x - l <= r) {
                rows[y * w + x] = true;
            }
        }
        let mut next: Option<usize> = None;
        for x in (0..w).rev() {
            if row[x] {
                next = Some(x);
            }
            if next.is_some_and(|n| n - x <= r) {
                rows[y * w + x] = true;
            }
        }
    }
    let mut out = vec![false; m.len()];
    for x in 0..w {
        let mut last: Option<usize> = None;
        for y in 0..h {
            if rows[y * w + x] {
                last = Some(y);
            }
            if last.is_some_and(|l| y - l <= r) {
                out[y * w + x] = true;
            }
        }
        let mut next: Option<usize> = None;
        for y in (0..h).rev() {
            if rows[y * w + x] {
                next = Some(y);
            }
            if next.is_some_and(|n| n - y <= r) {
                out[y * w + x] = true;
            }
        }
    }
    out
}
