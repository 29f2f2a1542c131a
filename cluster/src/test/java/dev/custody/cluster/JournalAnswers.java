package dev.custody.cluster;

import dev.custody.api.CustodyRuntime;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.KernelJournal;
import dev.custody.persistence.Journals;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** The answers an engine's coordinator journaled, by operation id, read from the shared journal. */
final class JournalAnswers {
    private JournalAnswers() {}

    static Map<String, AnswerRecord> of(CustodyRuntime runtime, String instance) throws Exception {
        var system = runtime.actorSystem();
        JdbcReadJournal journal = PersistenceQuery.get(Adapter.toClassic(system))
                .getReadJournalFor(JdbcReadJournal.class, Journals.READ_JOURNAL);
        List<EventEnvelope> rows = journal.currentEventsByPersistenceId(instance + "|kernel", 0L, Long.MAX_VALUE)
                .runWith(Sink.seq(), system)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        Map<String, AnswerRecord> answers = new HashMap<>();
        for (EventEnvelope row : rows) {
            switch (row.event()) {
                case KernelJournal.Decided decided ->
                    answers.put(decided.command().operationId(), decided.given());
                case KernelJournal.Answered answered ->
                    answers.put(answered.command().operationId(), answered.given());
                default -> {}
            }
        }
        return answers;
    }
}
