//! Where the blocks go: a series-parallel reading of the block graph, then integer geometry.
//!
//! A block with several successors forks; its branches meet again at its immediate
//! post-dominator (Cooper, Harvey & Kennedy 2001, on the reversed graph, blocks being in
//! topological order), the block every path from the fork passes through first. Between the
//! two the branches are laid side by side, the first under the fork (the spine: the main path
//! of a residual block, the 1×1 branch of an inception module), the others to its right. A
//! successor that *is* the join — a residual block's identity shortcut — gets a lane right of
//! the branches, and its edge is drawn down that lane, around the blocks it skips.
//!
//! Long networks are cut between top-level items into columns of about [`COLUMN_HEIGHT`]; the
//! edge into a new column runs up the gutter to a small circle at the column's top, from which
//! the column's edges leave.

use std::collections::{HashMap, HashSet};

use zoo_graph::ops::{self, Title};

use crate::blocks::{Block, Kind};

pub(crate) const BLOCK_H: i32 = 38;
/// Between consecutive items; edges bend at its middle.
pub(crate) const GAP: i32 = 24;
const BRANCH_GAP: i32 = 18;
const LANE: i32 = 28;
pub(crate) const COLUMN_GAP: i32 = 48;
/// About how tall a column may grow before the network wraps into the next.
const COLUMN_HEIGHT: i32 = 1500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    fn cx(self) -> i32 {
        self.x + self.w / 2
    }
    fn bottom(self) -> i32 {
        self.y + self.h
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    Plain,
    /// A residual block's shortcut: its identity lane, or the edges of its projection branch.
    Shortcut,
    /// Into the next column.
    Wrap,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub points: Vec<(i32, i32)>,
    pub kind: EdgeKind,
    /// Ends in an arrowhead (into a block) rather than at a column's circle.
    pub arrow: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Layout {
    pub rects: Vec<Rect>,
    pub routes: Vec<Route>,
    /// The circles edges leave a new column from.
    pub stubs: Vec<(i32, i32)>,
    pub width: i32,
    pub height: i32,
    pub columns: usize,
    /// Forks whose branches are drawn side by side, and those branches (identity lanes included).
    pub parallels: usize,
    pub branches: usize,
    /// Residual blocks: forks rejoined by an Add, one shortcut each.
    pub shortcuts: usize,
}

enum Item {
    Block(usize),
    Par(Par),
}

struct Par {
    fork: usize,
    branches: Vec<Vec<Item>>,
    /// One of the fork's successors is the join itself.
    skip: bool,
    join: usize,
    /// The join is this item's to place (else it belongs to the enclosing branch structure).
    owns_join: bool,
}

/// The structure: successors, post-dominators, and which blocks are already placed.
struct Parse<'a> {
    succ: &'a [Vec<usize>],
    ipdom: Vec<usize>,
    visited: Vec<bool>,
    sink: usize,
}

impl Parse<'_> {
    /// The items from `start` up to (not including) `stop`.
    fn seq(&mut self, start: usize, stop: usize) -> Vec<Item> {
        let mut items = Vec::new();
        let mut node = start;
        'blocks: loop {
            if node == stop || node >= self.sink || self.visited[node] {
                break;
            }
            self.visited[node] = true;
            items.push(Item::Block(node));
            let mut fork = node;
            loop {
                let succ = self.succ[fork].clone();
                match succ.len() {
                    0 => break 'blocks,
                    1 => {
                        node = succ[0];
                        continue 'blocks;
                    }
                    _ => {}
                }
                let join = self.ipdom[fork];
                let mut branches = Vec::new();
                let mut skip = false;
                for s in succ {
                    if s == join {
                        skip = true;
                    } else if !self.visited[s] {
                        branches.push(self.seq(s, join));
                    }
                }
                let owns_join = join != stop && join < self.sink && !self.visited[join];
                items.push(Item::Par(Par { fork, branches, skip, join, owns_join }));
                if !owns_join {
                    break 'blocks;
                }
                self.visited[join] = true;
                fork = join;
            }
        }
        items
    }
}

/// Immediate post-dominators of blocks `0..n` in topological order, `n` being a sink that
/// every block without successors reaches.
fn post_dominators(succ: &[Vec<usize>]) -> Vec<usize> {
    let sink = succ.len();
    let mut ipdom = vec![sink; sink + 1];
    for b in (0..sink).rev() {
        let mut it = succ[b].iter().copied();
        let Some(first) = it.next() else { continue };
        ipdom[b] = it.fold(first, |a, c| intersect(&ipdom, a, c));
    }
    ipdom
}

fn intersect(ipdom: &[usize], mut a: usize, mut b: usize) -> usize {
    while a != b {
        if a < b {
            a = ipdom[a];
        } else {
            b = ipdom[b];
        }
    }
    a
}

/// Sizes and placement.
struct Geometry<'a> {
    width: i32,
    blocks: &'a [Block],
    rects: Vec<Rect>,
    column: Vec<usize>,
    placed: Vec<bool>,
    lanes: HashMap<(usize, usize), i32>,
    shortcut_edges: HashSet<(usize, usize)>,
    parallels: usize,
    branches: usize,
    shortcuts: usize,
}

impl Geometry<'_> {
    fn seq_size(&self, items: &[Item]) -> (i32, i32) {
        let mut w = 0;
        let mut h = 0;
        for (i, item) in items.iter().enumerate() {
            let (iw, ih) = self.size(item);
            w = w.max(iw);
            h += ih + if i > 0 { GAP } else { 0 };
        }
        (w, h)
    }

    fn size(&self, item: &Item) -> (i32, i32) {
        match item {
            Item::Block(_) => (self.width, BLOCK_H),
            Item::Par(p) => {
                let sizes: Vec<(i32, i32)> = p.branches.iter().map(|b| self.seq_size(b)).collect();
                let mut w: i32 = sizes.iter().map(|s| s.0).sum::<i32>() + BRANCH_GAP * (sizes.len() as i32 - 1).max(0);
                if p.skip {
                    w += LANE;
                }
                let h = sizes.iter().map(|s| s.1).max().unwrap_or(0);
                let h = if p.owns_join { h + GAP + BLOCK_H } else { h };
                (w.max(self.width), h)
            }
        }
    }

    fn place_seq(&mut self, items: &[Item], x: i32, mut y: i32, col: usize) {
        for item in items {
            let (_, h) = self.size(item);
            self.place(item, x, y, col);
            y += h + GAP;
        }
    }

    fn place_block(&mut self, b: usize, x: i32, y: i32, col: usize) {
        self.rects[b] = Rect { x, y, w: self.width, h: BLOCK_H };
        self.column[b] = col;
        self.placed[b] = true;
    }

    fn place(&mut self, item: &Item, x: i32, y: i32, col: usize) {
        match item {
            Item::Block(b) => self.place_block(*b, x, y, col),
            Item::Par(p) => {
                self.parallels += 1;
                self.branches += p.branches.len() + usize::from(p.skip);
                let mut bx = x;
                let mut tallest = 0;
                for (i, branch) in p.branches.iter().enumerate() {
                    let (w, h) = self.seq_size(branch);
                    if i > 0 {
                        bx += BRANCH_GAP;
                    }
                    self.place_seq(branch, bx, y, col);
                    bx += w;
                    tallest = tallest.max(h);
                }
                if p.skip {
                    let lane = if p.branches.is_empty() { x + self.width + LANE / 2 } else { bx + LANE / 2 };
                    self.lanes.insert((p.fork, p.join), lane);
                }
                // A residual block: two paths rejoined by an Add; the second is the shortcut.
                let add = matches!(self.blocks.get(p.join), Some(b) if ops::draw(&b.op).title == Title::Text("add"));
                if add && p.branches.len() + usize::from(p.skip) == 2 {
                    self.shortcuts += 1;
                    if p.skip {
                        self.shortcut_edges.insert((p.fork, p.join));
                    } else {
                        self.mark_shortcut(p.fork, &p.branches[1], p.join);
                    }
                }
                if p.owns_join {
                    self.place_block(p.join, x, y + tallest + GAP, col);
                }
            }
        }
    }

    /// Every edge of a projection branch, from the fork to the join.
    fn mark_shortcut(&mut self, fork: usize, branch: &[Item], join: usize) {
        let mut members = HashSet::from([fork, join]);
        collect(branch, &mut members);
        for (b, block) in self.blocks.iter().enumerate() {
            for &i in &block.inputs {
                if members.contains(&b) && members.contains(&i) && (i != fork || b != join) {
                    self.shortcut_edges.insert((i, b));
                }
            }
        }
    }
}

fn collect(items: &[Item], out: &mut HashSet<usize>) {
    for item in items {
        match item {
            Item::Block(b) => {
                out.insert(*b);
            }
            Item::Par(p) => {
                out.insert(p.join);
                for br in &p.branches {
                    collect(br, out);
                }
            }
        }
    }
}

/// Lays out `blocks` (topologically ordered) with every block `width` wide, below `top`.
pub(crate) fn layout(blocks: &[Block], width: i32, left: i32, top: i32) -> Layout {
    let n = blocks.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (b, block) in blocks.iter().enumerate() {
        for &i in &block.inputs {
            if !succ[i].contains(&b) {
                succ[i].push(b);
            }
        }
    }
    for s in &mut succ {
        s.sort_unstable();
    }
    let mut parse = Parse { succ: &succ, ipdom: post_dominators(&succ), visited: vec![false; n], sink: n };
    let mut top_items = Vec::new();
    for root in (0..n).filter(|&b| blocks[b].inputs.is_empty()) {
        top_items.extend(parse.seq(root, n));
    }
    // Anything the walk did not reach (a block whose inputs were all left out) goes last.
    for b in 0..n {
        if !parse.visited[b] {
            top_items.extend(parse.seq(b, n));
        }
    }

    let mut g = Geometry {
        width,
        blocks,
        rects: vec![Rect::default(); n],
        column: vec![0; n],
        placed: vec![false; n],
        lanes: HashMap::new(),
        shortcut_edges: HashSet::new(),
        parallels: 0,
        branches: 0,
        shortcuts: 0,
    };
    // Columns: cut between top-level items into as many columns as COLUMN_HEIGHT asks for,
    // the shortest height limit that fits them in that many.
    let sizes: Vec<(i32, i32)> = top_items.iter().map(|i| g.size(i)).collect();
    let total: i32 = sizes.iter().map(|s| s.1 + GAP).sum();
    let count = ((total + COLUMN_HEIGHT - 1) / COLUMN_HEIGHT).max(1) as usize;
    let stage_starts: Vec<bool> = (0..top_items.len())
        .map(|i| match (i.checked_sub(1).map(|j| &top_items[j]), &top_items[i]) {
            (Some(Item::Block(b)), _) => blocks[*b].kind == Kind::Pool,
            (_, Item::Par(p)) => p.branches.len() > 1 && !p.skip,
            _ => false,
        })
        .collect();
    let mut limit = total / count as i32;
    let mut cols = columns(&sizes, &stage_starts, limit);
    while cols.len() > count {
        limit += 10;
        cols = columns(&sizes, &stage_starts, limit);
    }
    // Every column starts one gap below `top`; the circle of a continued column sits at `top`.
    let y0 = top + GAP;
    let mut x = left;
    let mut bottom = y0;
    let mut stubs = Vec::new();
    let mut col_x = Vec::new();
    for (c, members) in cols.iter().enumerate() {
        let w = members.iter().map(|&i| sizes[i].0).max().unwrap_or(width);
        if c > 0 {
            stubs.push((x + width / 2, top));
        }
        col_x.push(x);
        let mut y = y0;
        for &i in members {
            g.place(&top_items[i], x, y, c);
            y += sizes[i].1 + GAP;
        }
        bottom = bottom.max(y - GAP);
        x += w + COLUMN_GAP;
    }
    let right = x - COLUMN_GAP;

    let routes = routes(blocks, &g, &stubs, &col_x);
    Layout {
        rects: g.rects,
        routes,
        stubs,
        width: right - left,
        height: bottom - top,
        columns: cols.len(),
        parallels: g.parallels,
        branches: g.branches,
        shortcuts: g.shortcuts,
    }
}

/// Top-level items cut into columns no taller than `limit` (one item taller than that gets a
/// column of its own). A column that must end ends, where it can, where a stage does — after
/// a pool, before a residual block whose shortcut is a projection — as the papers' tables
/// group layers: the cut moves back to the latest stage start in the column's last 30%.
fn columns(sizes: &[(i32, i32)], stage_starts: &[bool], limit: i32) -> Vec<Vec<usize>> {
    let mut cols: Vec<Vec<usize>> = vec![Vec::new()];
    let mut height = 0;
    for (i, &(_, h)) in sizes.iter().enumerate() {
        let last = cols.len() - 1;
        if !cols[last].is_empty() && height + h > limit {
            let mut above = height;
            let mut cut = cols[last].len();
            for (k, &j) in cols[last].iter().enumerate().rev() {
                above -= sizes[j].1 + GAP;
                if above < limit * 7 / 10 || k == 0 {
                    break;
                }
                if stage_starts[j] {
                    cut = k;
                    break;
                }
            }
            let moved = cols[last].split_off(cut);
            height = moved.iter().map(|&j| sizes[j].1 + GAP).sum();
            cols.push(moved);
        }
        let last = cols.len() - 1;
        cols[last].push(i);
        height += h + GAP;
    }
    cols
}

/// One route per data edge between placed blocks, plus one into each new column.
fn routes(blocks: &[Block], g: &Geometry, stubs: &[(i32, i32)], col_x: &[i32]) -> Vec<Route> {
    let half = GAP / 2;
    let mut out = Vec::new();
    let mut wrapped: HashMap<usize, usize> = HashMap::new();
    let fanout = |u: usize| blocks.iter().filter(|b| b.inputs.contains(&u)).count();
    for (v, block) in blocks.iter().enumerate() {
        for &u in &block.inputs {
            if !(g.placed[u] && g.placed[v]) {
                continue;
            }
            let (ru, rv) = (g.rects[u], g.rects[v]);
            let kind = if g.shortcut_edges.contains(&(u, v)) { EdgeKind::Shortcut } else { EdgeKind::Plain };
            let (cu, cv) = (g.column[u], g.column[v]);
            let mut from = (ru.cx(), ru.bottom());
            if cu != cv {
                let source = *wrapped.entry(cv).or_insert(u);
                if cv != cu + 1 || source != u {
                    out.push(Route { points: vec![from, (rv.cx(), rv.y)], kind, arrow: true });
                    continue;
                }
                let stub = stubs[cv - 1];
                if !out.iter().any(|r: &Route| r.kind == EdgeKind::Wrap && r.points.last() == Some(&stub)) {
                    let gutter = col_x[cv] - COLUMN_GAP / 2;
                    out.push(Route {
                        points: vec![
                            from,
                            (from.0, from.1 + half),
                            (gutter, from.1 + half),
                            (gutter, stub.1 - half),
                            (stub.0, stub.1 - half),
                            stub,
                        ],
                        kind: EdgeKind::Wrap,
                        arrow: false,
                    });
                }
                from = stub;
            }
            let to = (rv.cx(), rv.y);
            let points = if let Some(&lane) = g.lanes.get(&(u, v)) {
                vec![from, (from.0, from.1 + half), (lane, from.1 + half), (lane, to.1 - half), (to.0, to.1 - half), to]
            } else if from.0 == to.0 || to.1 <= from.1 {
                vec![from, to]
            } else if fanout(u) > 1 {
                vec![from, (from.0, from.1 + half), (to.0, from.1 + half), to]
            } else {
                vec![from, (from.0, to.1 - half), (to.0, to.1 - half), to]
            };
            out.push(Route { points, kind, arrow: true });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_dominators_of_a_diamond_and_a_skip() {
        // 0 → 1 → 3, 0 → 2 → 3 (a diamond); 3 → 4 → 5, 3 → 5 (a skip).
        let succ = vec![vec![1, 2], vec![3], vec![3], vec![4, 5], vec![5], vec![]];
        let ipdom = post_dominators(&succ);
        assert_eq!(ipdom[0], 3);
        assert_eq!(ipdom[3], 5);
        assert_eq!(ipdom[5], 6);
    }
}
