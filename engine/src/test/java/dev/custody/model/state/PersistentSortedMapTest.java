package dev.custody.model.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The persistent map against {@code TreeMap} on random changes (fixed seeds): the same entries in the
 * same order after every change, every earlier version unchanged, the tree balanced, positions and
 * the index right.
 */
class PersistentSortedMapTest {
    private static final long[] SEEDS = {1, 7, 42, 1234, 99991};

    @Test
    void behavesAsATreeMapAndKeepsEveryVersion() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            PersistentSortedMap<Integer, String> map = PersistentSortedMap.empty();
            TreeMap<Integer, String> expected = new TreeMap<>();
            List<PersistentSortedMap<Integer, String>> versions = new ArrayList<>();
            List<TreeMap<Integer, String>> expectedVersions = new ArrayList<>();
            for (int step = 0; step < 3_000; step++) {
                int key = random.nextInt(400);
                if (random.nextInt(3) == 0) {
                    map = map.minus(key);
                    expected.remove(key);
                } else {
                    String value = "v" + random.nextInt(5);
                    map = map.plus(key, value);
                    expected.put(key, value);
                }
                assertMatches(expected, map, "seed " + seed + " step " + step);
                if (step % 100 == 0) {
                    versions.add(map);
                    expectedVersions.add(new TreeMap<>(expected));
                }
            }
            for (int v = 0; v < versions.size(); v++) {
                assertEquals(expectedVersions.get(v), versions.get(v), "version " + v + " of seed " + seed);
            }
        }
    }

    private static void assertMatches(
            TreeMap<Integer, String> expected, PersistentSortedMap<Integer, String> map, String at) {
        assertEquals(expected.size(), map.size(), at);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(map.keySet()), at);
        assertEquals(List.copyOf(expected.values()), List.copyOf(map.values()), at);
        assertEquals(expected, map, at);
        assertEquals(map, expected, at);
        assertEquals(expected.hashCode(), map.hashCode(), at);
        assertEquals(expected.toString(), map.toString(), at);
        if (!expected.isEmpty()) {
            assertEquals(expected.firstKey(), map.firstKey(), at);
            assertEquals(expected.lastKey(), map.lastKey(), at);
            int position = expected.size() / 2;
            assertEquals(
                    new ArrayList<>(expected.keySet()).get(position),
                    map.entryAt(position).getKey(),
                    at);
        }
        for (int probe = -1; probe < 402; probe += 37) {
            assertEquals(expected.get(probe), map.get(probe), at);
            assertEquals(expected.containsKey(probe), map.containsKey(probe), at);
        }
        assertTrue(balanced(map.root()), at);
    }

    @Test
    void aChangeThatChangesNothingIsTheSameMap() {
        String value = "x";
        PersistentSortedMap<Integer, String> map =
                PersistentSortedMap.<Integer, String>empty().plus(1, value).plus(2, "y");
        assertSame(map, map.plus(1, value));
        assertSame(map, map.minus(3));
        assertNotEquals(map, map.plus(1, "z"));
    }

    @Test
    void isReadOnlyAsAMap() {
        PersistentSortedMap<Integer, String> map =
                PersistentSortedMap.<Integer, String>empty().plus(1, "a");
        assertThrows(UnsupportedOperationException.class, () -> map.put(2, "b"));
        assertThrows(UnsupportedOperationException.class, () -> map.remove(1));
        assertThrows(UnsupportedOperationException.class, map::clear);
        assertThrows(
                UnsupportedOperationException.class,
                () -> map.entrySet().iterator().next().setValue("c"));
        assertThrows(
                UnsupportedOperationException.class,
                () -> map.keySet().iterator().remove());
        assertThrows(
                NoSuchElementException.class, () -> PersistentSortedMap.empty().firstKey());
        assertThrows(NullPointerException.class, () -> map.plus(null, "n"));
        assertEquals(Map.of(1, "a"), map);
    }

    @Test
    void copiesAnyMapInNaturalOrder() {
        Map<String, Integer> source = new HashMap<>();
        for (int n = 0; n < 100; n++) {
            source.put("k" + n, n);
        }
        PersistentSortedMap<String, Integer> copy = PersistentSortedMap.copyOf(source);
        assertEquals(new TreeMap<>(source), copy);
        assertEquals(List.copyOf(new TreeMap<>(source).keySet()), List.copyOf(copy.keySet()));
        assertSame(copy, PersistentSortedMap.copyOf(copy));
        assertEquals(new TreeMap<>(source).subMap("k1", "k3"), copy.subMap("k1", "k3"));
        assertEquals(new TreeMap<>(source).headMap("k5"), copy.headMap("k5"));
        assertEquals(new TreeMap<>(source).tailMap("k5"), copy.tailMap("k5"));
    }

    /** Values are lists of terms; the index must say, for any term, exactly the keys a scan finds. */
    @Test
    void theIndexFindsWhatAScanFinds() {
        PersistentSortedMap.Index<List<Integer>, Integer> byTerm = new PersistentSortedMap.Index<>(terms -> terms);
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            PersistentSortedMap<Integer, List<Integer>> map =
                    PersistentSortedMap.<Integer, List<Integer>>empty().indexedBy(byTerm);
            for (int step = 0; step < 2_000; step++) {
                int key = random.nextInt(200);
                if (random.nextInt(4) == 0) {
                    map = map.minus(key);
                } else {
                    map = map.plus(key, List.of(random.nextInt(20), random.nextInt(20)));
                }
                if (step % 50 == 0) {
                    assertIndexed(map);
                    assertIndexed(PersistentSortedMap.copyOf(new TreeMap<>(map)).indexedBy(byTerm));
                }
            }
            assertSame(map, map.indexedBy(byTerm));
        }
    }

    private static void assertIndexed(PersistentSortedMap<Integer, List<Integer>> map) {
        for (int term = 0; term < 21; term++) {
            TreeSet<Integer> scanned = new TreeSet<>();
            for (Map.Entry<Integer, List<Integer>> entry : map.entrySet()) {
                if (entry.getValue().contains(term)) {
                    scanned.add(entry.getKey());
                }
            }
            SortedSet<Integer> indexed = map.keysUnder(term);
            assertEquals(List.copyOf(scanned), List.copyOf(indexed), "term " + term);
        }
    }

    @Test
    void theSetBehavesAsATreeSet() {
        Random random = new Random(5);
        PersistentSortedSet<Integer> set = PersistentSortedSet.empty();
        TreeSet<Integer> expected = new TreeSet<>();
        for (int step = 0; step < 2_000; step++) {
            int element = random.nextInt(300);
            if (random.nextBoolean()) {
                set = set.plus(element);
                expected.add(element);
            } else {
                set = set.minus(element);
                expected.remove(element);
            }
            assertEquals(expected, set);
            assertEquals(set, expected);
            assertEquals(expected.hashCode(), set.hashCode());
            assertEquals(expected.toString(), set.toString());
            assertEquals(expected.contains(element), set.contains(element));
            if (!expected.isEmpty()) {
                assertEquals(expected.first(), set.first());
                assertEquals(expected.last(), set.last());
                assertEquals(expected.first(), set.elementAt(0));
            }
        }
        assertEquals(expected.headSet(150), set.headSet(150));
        assertEquals(expected, PersistentSortedSet.copyOf(new ArrayList<>(expected)));
        assertFalse(set.isEmpty());
        PersistentSortedSet<Integer> finalSet = set;
        assertThrows(UnsupportedOperationException.class, () -> finalSet.add(1000));
    }

    /** Heights of siblings differ by at most one everywhere, and each node's height and size are right. */
    private static boolean balanced(AvlTree.Node<Integer, String> node) {
        if (node == null) {
            return true;
        }
        return Math.abs(AvlTree.height(node.left) - AvlTree.height(node.right)) <= 1
                && node.height == Math.max(AvlTree.height(node.left), AvlTree.height(node.right)) + 1
                && node.size == AvlTree.size(node.left) + AvlTree.size(node.right) + 1
                && (node.left == null || node.left.key < node.key)
                && (node.right == null || node.right.key > node.key)
                && balanced(node.left)
                && balanced(node.right);
    }
}
