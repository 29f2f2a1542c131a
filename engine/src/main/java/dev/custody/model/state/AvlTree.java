package dev.custody.model.state;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The immutable, height-balanced binary tree under {@link PersistentSortedMap}. An insertion or a
 * removal copies the nodes on one path from the root (about log2 n of them) and shares every other
 * node with the tree it came from; a tree is never changed after it is built. Keys are ordered by
 * their natural order, as a {@code TreeMap} without a comparator orders them. Each node also counts
 * its subtree, so the i-th entry is found in O(log n).
 */
final class AvlTree {
    private AvlTree() {}

    /** One entry and its subtrees; {@code null} is the empty tree. */
    static final class Node<K, V> implements Map.Entry<K, V> {
        final K key;
        final V value;
        final Node<K, V> left;
        final Node<K, V> right;
        final int height;
        final int size;

        Node(K key, V value, Node<K, V> left, Node<K, V> right) {
            this.key = key;
            this.value = value;
            this.left = left;
            this.right = right;
            this.height = Math.max(height(left), height(right)) + 1;
            this.size = size(left) + size(right) + 1;
        }

        @Override
        public K getKey() {
            return key;
        }

        @Override
        public V getValue() {
            return value;
        }

        @Override
        public V setValue(V value) {
            throw new UnsupportedOperationException("an immutable map's entry");
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Map.Entry<?, ?> e
                    && Objects.equals(key, e.getKey())
                    && Objects.equals(value, e.getValue());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(key) ^ Objects.hashCode(value);
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    static int height(Node<?, ?> node) {
        return node == null ? 0 : node.height;
    }

    static int size(Node<?, ?> node) {
        return node == null ? 0 : node.size;
    }

    @SuppressWarnings("unchecked")
    static int compare(Object a, Object b) {
        return ((Comparable<Object>) a).compareTo(b);
    }

    static <K, V> Node<K, V> find(Node<K, V> node, Object key) {
        Objects.requireNonNull(key, "a sorted map's key");
        while (node != null) {
            int order = compare(key, node.key);
            if (order == 0) {
                return node;
            }
            node = order < 0 ? node.left : node.right;
        }
        return null;
    }

    /** The tree with {@code key} mapped to {@code value}; the same tree when it already maps it to that very value. */
    static <K, V> Node<K, V> put(Node<K, V> node, K key, V value) {
        if (node == null) {
            return new Node<>(key, value, null, null);
        }
        int order = compare(key, node.key);
        if (order == 0) {
            return node.value == value ? node : new Node<>(node.key, value, node.left, node.right);
        }
        if (order < 0) {
            Node<K, V> left = put(node.left, key, value);
            return left == node.left ? node : balance(node.key, node.value, left, node.right);
        }
        Node<K, V> right = put(node.right, key, value);
        return right == node.right ? node : balance(node.key, node.value, node.left, right);
    }

    /** The tree without {@code key}; the same tree when it has no such key. */
    static <K, V> Node<K, V> remove(Node<K, V> node, Object key) {
        if (node == null) {
            return null;
        }
        int order = compare(key, node.key);
        if (order < 0) {
            Node<K, V> left = remove(node.left, key);
            return left == node.left ? node : balance(node.key, node.value, left, node.right);
        }
        if (order > 0) {
            Node<K, V> right = remove(node.right, key);
            return right == node.right ? node : balance(node.key, node.value, node.left, right);
        }
        if (node.left == null) {
            return node.right;
        }
        if (node.right == null) {
            return node.left;
        }
        Node<K, V> successor = first(node.right);
        return balance(successor.key, successor.value, node.left, removeFirst(node.right));
    }

    private static <K, V> Node<K, V> removeFirst(Node<K, V> node) {
        if (node.left == null) {
            return node.right;
        }
        return balance(node.key, node.value, removeFirst(node.left), node.right);
    }

    static <K, V> Node<K, V> first(Node<K, V> node) {
        if (node == null) {
            return null;
        }
        while (node.left != null) {
            node = node.left;
        }
        return node;
    }

    static <K, V> Node<K, V> last(Node<K, V> node) {
        if (node == null) {
            return null;
        }
        while (node.right != null) {
            node = node.right;
        }
        return node;
    }

    /** The entry at {@code index} in key order (0 is the smallest key). */
    static <K, V> Node<K, V> at(Node<K, V> node, int index) {
        if (index < 0 || index >= size(node)) {
            throw new IndexOutOfBoundsException("index " + index + " of " + size(node) + " entries");
        }
        while (true) {
            int leftSize = size(node.left);
            if (index == leftSize) {
                return node;
            }
            if (index < leftSize) {
                node = node.left;
            } else {
                index -= leftSize + 1;
                node = node.right;
            }
        }
    }

    /** A node over two subtrees whose heights differ by at most two, rotated back to a difference of at most one. */
    private static <K, V> Node<K, V> balance(K key, V value, Node<K, V> left, Node<K, V> right) {
        int lean = height(left) - height(right);
        if (lean > 1) {
            if (height(left.left) >= height(left.right)) {
                return new Node<>(left.key, left.value, left.left, new Node<>(key, value, left.right, right));
            }
            Node<K, V> pivot = left.right;
            return new Node<>(
                    pivot.key,
                    pivot.value,
                    new Node<>(left.key, left.value, left.left, pivot.left),
                    new Node<>(key, value, pivot.right, right));
        }
        if (lean < -1) {
            if (height(right.right) >= height(right.left)) {
                return new Node<>(right.key, right.value, new Node<>(key, value, left, right.left), right.right);
            }
            Node<K, V> pivot = right.left;
            return new Node<>(
                    pivot.key,
                    pivot.value,
                    new Node<>(key, value, left, pivot.left),
                    new Node<>(right.key, right.value, pivot.right, right.right));
        }
        return new Node<>(key, value, left, right);
    }

    /** A balanced tree of entries already in strictly increasing key order, in O(n). */
    static <K, V> Node<K, V> fromSorted(Object[] keys, Object[] values, int from, int to) {
        if (from >= to) {
            return null;
        }
        int middle = (from + to) >>> 1;
        @SuppressWarnings("unchecked")
        K key = (K) keys[middle];
        @SuppressWarnings("unchecked")
        V value = (V) values[middle];
        return new Node<>(key, value, fromSorted(keys, values, from, middle), fromSorted(keys, values, middle + 1, to));
    }

    /** In key order, with a stack of the path still to visit. */
    static final class InOrder<K, V> implements Iterator<Node<K, V>> {
        private final ArrayDeque<Node<K, V>> path = new ArrayDeque<>();

        InOrder(Node<K, V> root) {
            descendLeft(root);
        }

        private void descendLeft(Node<K, V> node) {
            while (node != null) {
                path.push(node);
                node = node.left;
            }
        }

        @Override
        public boolean hasNext() {
            return !path.isEmpty();
        }

        @Override
        public Node<K, V> next() {
            if (path.isEmpty()) {
                throw new NoSuchElementException();
            }
            Node<K, V> node = path.pop();
            descendLeft(node.right);
            return node;
        }
    }
}
