package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.entity.CommandText;
import dev.custody.model.Command;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.ObjectId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * IOMMU_IOAS_MAP with its flags as the uapi word: bits the kernel does not know are EOPNOTSUPP, the
 * iova field is read (ULONG_MAX is EOVERFLOW) but mapped at only with FIXED_IOVA, and iommufd checks
 * all of it before it looks the IOAS up. Both engines answer alike, and the word survives the
 * journal's text of the command.
 */
class IoasMapFlagWordTest {
    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0"}],
                         "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]}""";

    private static final String STEPS = """
            {"op": "iommufd.open", "as": "X", "expect": "ok"},
            {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x200000", "length": "0x1000", "flags": "0x80000006",
             "expect": "EOPNOTSUPP"},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x200000", "length": "0x1000", "flags": 8,
             "expect": "EOPNOTSUPP"},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x200000", "length": "0x1000", "flags": "0x7",
             "expect": "ok", "expectValue": {"iova": "0x200000"}},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x123", "length": "0x1000", "flags": "0x4",
             "expect": "ok"},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0xffffffffffffffff", "length": "0x1000", "flags": "0x6",
             "expect": "EOVERFLOW"},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x400000", "length": "0x1000", "flags": "0x1",
             "expect": "EINVAL"},
            {"op": "iommufd.ioas_map", "ioas": "I", "length": "0x1000", "flags": 0, "expect": "EINVAL"},
            {"op": "iommufd.ioas_map", "ioas": 99, "length": "0x1000", "flags": "0x10006", "expect": "EOPNOTSUPP"},
            {"op": "iommufd.ioas_map", "ioas": 99, "iova": "0x400000", "length": "0x1000", "flags": [],
             "expect": "EINVAL"},
            {"op": "iommufd.ioas_map", "ioas": 99, "length": "0x1000", "flags": "0x6", "expect": "ENOENT"}""";

    private static List<ObjectNode> run(KernelEngine engine) {
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(
                ScenarioParser.parse("flag-word.json", "{" + TOPOLOGY + ", \"steps\": [" + STEPS + "]}"),
                engine,
                lines::add);
        for (ObjectNode line : lines.subList(0, lines.size() - 1)) {
            assertTrue(line.get("match").asBoolean(), line.toString());
        }
        // without FIXED_IOVA the IOAS chooses, whatever the iova field says
        assertNotEquals(
                0x123L,
                lines.get(5).get("value").get("iova").asLong(),
                lines.get(5).toString());
        return lines;
    }

    @Test
    void theModelChecksTheWordAndTheIovaFieldBeforeTheIoas() {
        run(new ModelEngine());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theActorEngineAnswersTheSame() {
        ActorEngine actors =
                ActorEngine.onJournal(CustodyRuntime.inMemoryJournal(), "flag-word", Duration.ofSeconds(30));
        try {
            run(actors);
        } finally {
            actors.close();
        }
    }

    @Test
    void aFlagWordIsANumberOfAtMost32Bits() {
        for (String flags : List.of("\"0x100000000\"", "-1", "\"READABLE\"", "true")) {
            String text = "{" + TOPOLOGY + ", \"steps\": [{\"op\": \"iommufd.open\", \"as\": \"X\"},"
                    + " {\"op\": \"iommufd.ioas_alloc\", \"iommufd\": \"X\", \"as\": \"I\"},"
                    + " {\"op\": \"iommufd.ioas_map\", \"ioas\": \"I\", \"length\": 4096, \"flags\": " + flags + "}]}";
            ScenarioException refused =
                    assertThrows(ScenarioException.class, () -> ScenarioParser.parse("bad.json", text), flags);
            assertTrue(refused.getMessage().contains("flags"), refused.getMessage());
        }
    }

    @Test
    void theJournalsTextKeepsTheWordAndTheNamedFormStaysAsItWas() {
        Handle ioas = new Handle.IommufdObject(new FileId(3), new ObjectId(1));
        Command.IoasMap raw = Command.IoasMap.raw(ioas, 0x123, 0x1000, 0x80000006);
        assertEquals(Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE), raw.flags());
        assertTrue(CommandText.write(raw).contains("\"flags\":\"0x80000006\""), CommandText.write(raw));
        assertEquals(raw, CommandText.read(CommandText.write(raw)));

        Command.IoasMap named = new Command.IoasMap(ioas, OptionalLong.empty(), 0x1000, Set.of(IoasMapFlag.READABLE));
        assertTrue(CommandText.write(named).contains("\"flags\":[\"READABLE\"]"), CommandText.write(named));
        assertEquals(named, CommandText.read(CommandText.write(named)));
    }
}
