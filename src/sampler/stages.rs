//! Stages: the groups of masked positions decoded one after another (semi-autoregressive blocks, or
//! the regions of a region order, each optionally split into blocks).

use crate::canvas::{Canvas, CellKind};

use super::params::Order;

/// Split the template's masked positions into stages, in decoding order.
///
/// - `Free` / `LeftToRight`: blocks of `block_length` consecutive masked positions (counted among
///   masked positions, in canvas order); `None` = one block.
/// - `Regions(names)`: one stage per listed region in the listed order, then the unlisted regions in
///   canvas order; each region split into blocks of `block_length` when set.
///
/// Names that are not regions of the canvas are skipped here (validation reports them). Positions
/// no longer masked, and stages left empty by that, are dropped.
pub(crate) fn build_stages(
    canvas: &Canvas,
    order: &Order,
    block_length: Option<usize>,
) -> Vec<Vec<u32>> {
    let groups: Vec<Vec<u32>> = match order {
        Order::Free | Order::LeftToRight => vec![canvas.response_mask_positions()],
        Order::Regions(names) => {
            let mut listed: Vec<usize> = names
                .iter()
                .filter_map(|n| canvas.region_index(n))
                .collect();
            let mut seen = vec![false; canvas.regions.len()];
            listed.retain(|&i| !std::mem::replace(&mut seen[i], true));
            let rest = (0..canvas.regions.len()).filter(|&i| !seen[i]);
            let mut ordered = listed;
            ordered.extend(rest);
            ordered
                .into_iter()
                .map(|i| region_mask_positions(canvas, i))
                .collect()
        }
    };
    let is_live = |p: &u32| canvas.tokens.get(*p as usize) == Some(&canvas.mask_id);
    let mut stages = Vec::new();
    for group in groups {
        let len = block_length.unwrap_or(group.len()).max(1);
        for block in group.chunks(len) {
            let live: Vec<u32> = block.iter().copied().filter(is_live).collect();
            if !live.is_empty() {
                stages.push(live);
            }
        }
    }
    stages
}

/// The masked cells of region `index`, ascending (the region's positions are ascending by
/// construction; the kind check guards against a hand-made canvas).
fn region_mask_positions(canvas: &Canvas, index: usize) -> Vec<u32> {
    canvas.regions[index]
        .positions
        .iter()
        .copied()
        .filter(|&p| {
            matches!(canvas.kinds.get(p as usize), Some(CellKind::Masked { region }) if *region as usize == index)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::parse_template;

    fn canvas(template: &str) -> Canvas {
        let parts = parse_template(template).unwrap();
        Canvas::build(&[1, 2], &parts, 0, 1000, |t| {
            Ok(t.chars().map(|c| c as u32).collect())
        })
        .unwrap()
    }

    #[test]
    fn free_order_blocks_by_ordinal_among_masks() {
        // positions: prompt 0,1; a: 2,3,4; 'x' 5; b: 6,7; a: 8
        let c = canvas("{a:3}x{b:2}{a:1}");
        assert_eq!(
            build_stages(&c, &Order::Free, None),
            vec![vec![2, 3, 4, 6, 7, 8]]
        );
        assert_eq!(
            build_stages(&c, &Order::LeftToRight, Some(4)),
            vec![vec![2, 3, 4, 6], vec![7, 8]]
        );
    }

    #[test]
    fn regions_listed_first_then_the_rest_in_canvas_order() {
        let c = canvas("{a:3}x{b:2}y{c:2}{a:1}");
        // a: 2,3,4,11 ; b: 6,7 ; c: 9,10
        let order = Order::Regions(vec!["c".into()]);
        assert_eq!(
            build_stages(&c, &order, None),
            vec![vec![9, 10], vec![2, 3, 4, 11], vec![6, 7]]
        );
        let order = Order::Regions(vec!["b".into(), "a".into()]);
        assert_eq!(
            build_stages(&c, &order, Some(3)),
            vec![vec![6, 7], vec![2, 3, 4], vec![11], vec![9, 10]]
        );
    }

    #[test]
    fn committed_positions_and_empty_stages_are_dropped() {
        let mut c = canvas("{a:2}{b:2}");
        c.tokens[2] = 5;
        c.tokens[3] = 5;
        let order = Order::Regions(vec!["a".into()]);
        assert_eq!(build_stages(&c, &order, None), vec![vec![4, 5]]);
        // Blocks are still cut on the template's masks: 2,3 | 4,5 → the first block is gone.
        c.tokens[3] = 0;
        assert_eq!(
            build_stages(&c, &Order::Free, Some(2)),
            vec![vec![3], vec![4, 5]]
        );
    }
}
