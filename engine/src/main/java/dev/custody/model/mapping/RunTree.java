package dev.custody.model.mapping;

import java.util.ArrayList;
import java.util.List;

/**
 * The runs of one page table by IOVA (unsigned), as a persistent treap: putting or taking a run copies
 * only the O(log n) nodes on its path and shares the rest with the tree it came from, so a table that
 * changes by one map or unmap costs what the change touches, not a copy of every run. The priority of
 * a node is a fixed hash of its key, so equal sets of runs give the same tree whatever their history.
 */
final class RunTree {
    static final RunTree EMPTY = new RunTree(null);

    private record Node(Mapping run, long priority, Node left, Node right, int size) {
        static Node of(Mapping run, long priority, Node left, Node right) {
            return new Node(run, priority, left, right, 1 + sizeOf(left) + sizeOf(right));
        }

        long key() {
            return run.iova();
        }
    }

    /** A tree cut around one key: the nodes below it, above it, and whether it was there. */
    private record Split(Node below, Node above, boolean found) {}

    private final Node root;

    private RunTree(Node root) {
        this.root = root;
    }

    int size() {
        return sizeOf(root);
    }

    boolean isEmpty() {
        return root == null;
    }

    /** The run with the greatest IOVA at or below {@code iova}, or null. */
    Mapping floor(long iova) {
        Mapping found = null;
        for (Node node = root; node != null; ) {
            if (Long.compareUnsigned(node.key(), iova) <= 0) {
                found = node.run();
                node = node.right();
            } else {
                node = node.left();
            }
        }
        return found;
    }

    /** The run with the least IOVA at or above {@code iova}, or null. */
    Mapping ceiling(long iova) {
        Mapping found = null;
        for (Node node = root; node != null; ) {
            if (Long.compareUnsigned(node.key(), iova) >= 0) {
                found = node.run();
                node = node.left();
            } else {
                node = node.right();
            }
        }
        return found;
    }

    /** This tree with {@code run} put in; a run already at its IOVA is replaced. */
    RunTree with(Mapping run) {
        Split split = split(root, run.iova());
        Node single = Node.of(run, priorityOf(run.iova()), null, null);
        return new RunTree(merge(merge(split.below(), single), split.above()));
    }

    /** This tree without the run at {@code iova} (unchanged when there is none). */
    RunTree without(long iova) {
        Split split = split(root, iova);
        return split.found() ? new RunTree(merge(split.below(), split.above())) : this;
    }

    /** Every run, ascending by IOVA. */
    List<Mapping> toList() {
        List<Mapping> runs = new ArrayList<>(size());
        collect(root, runs);
        return runs;
    }

    private static void collect(Node node, List<Mapping> into) {
        // iterative in-order walk: the depth is O(log n) expected, but no recursion is cheaper still
        List<Node> stack = new ArrayList<>();
        Node current = node;
        while (current != null || !stack.isEmpty()) {
            while (current != null) {
                stack.add(current);
                current = current.left();
            }
            Node top = stack.removeLast();
            into.add(top.run());
            current = top.right();
        }
    }

    private static int sizeOf(Node node) {
        return node == null ? 0 : node.size();
    }

    /** Splits into keys below {@code iova} and keys above it (unsigned), leaving out {@code iova} itself. */
    private static Split split(Node node, long iova) {
        if (node == null) {
            return new Split(null, null, false);
        }
        int order = Long.compareUnsigned(node.key(), iova);
        if (order == 0) {
            return new Split(node.left(), node.right(), true);
        }
        if (order < 0) {
            Split right = split(node.right(), iova);
            return new Split(
                    Node.of(node.run(), node.priority(), node.left(), right.below()), right.above(), right.found());
        }
        Split left = split(node.left(), iova);
        return new Split(left.below(), Node.of(node.run(), node.priority(), left.above(), node.right()), left.found());
    }

    /** Joins two treaps whose keys are all below (left) and all above (right) each other. */
    private static Node merge(Node left, Node right) {
        if (left == null) {
            return right;
        }
        if (right == null) {
            return left;
        }
        if (left.priority() >= right.priority()) {
            return Node.of(left.run(), left.priority(), left.left(), merge(left.right(), right));
        }
        return Node.of(right.run(), right.priority(), merge(left, right.left()), right.right());
    }

    /** A fixed mix of the key (splitmix64's finalizer): the same key always gets the same priority. */
    private static long priorityOf(long key) {
        long z = key + 0x9e37_79b9_7f4a_7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
        return z ^ (z >>> 31);
    }
}
