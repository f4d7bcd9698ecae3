package io.sequin.flink;

import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Scores whole sequences: a map over records that each hold a sequence (in batch execution mode
 * over a bounded source, or streaming), running the model over each record's inputs with
 * {@link Session#run}. Each task loads the model once, in {@link #open}; no state is kept between
 * records.
 *
 * @param <I> a record holding a sequence
 * @param <O> what is emitted for it
 */
public class SequenceScorer<I, O> extends RichMapFunction<I, O> {
    private static final long serialVersionUID = 1L;

    /** The model's inputs for a record, by name (as {@link Session#run} takes them). */
    @FunctionalInterface
    public interface Inputs<I> extends Serializable {
        Map<String, Tensor> of(I record);
    }

    /** What is emitted for a record, from the model's outputs by name (new tensors: keep what you like). */
    @FunctionalInterface
    public interface Results<I, O> extends Serializable {
        O make(I record, Map<String, Tensor> outputs);
    }

    private final ModelRef model;
    private final Inputs<I> inputs;
    private final Results<I, O> results;
    private transient Session session;

    public SequenceScorer(ModelRef model, Inputs<I> inputs, Results<I, O> results) {
        this.model = model;
        this.inputs = inputs;
        this.results = results;
    }

    @Override
    public void open(OpenContext context) throws IOException {
        session = model.load().newSession();
    }

    @Override
    public O map(I record) {
        return results.make(record, session.run(inputs.of(record)));
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }
}
