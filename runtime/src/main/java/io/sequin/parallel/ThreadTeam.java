package io.sequin.parallel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A caller and {@code size() - 1} daemon workers that run the parts of one job together, for a
 * session whose steps are split across cores: {@link #run} hands part 0 to the calling thread
 * and part k to worker k, and returns when all are done. One job per step, so a step costs one
 * hand-off and one wait. Between jobs a worker spins for a while (steps of a stream come back to
 * back), then parks until the next job; nothing is allocated per job. Not for concurrent use: one
 * session's thread calls {@link #run}. {@link #close} stops the workers.
 */
public final class ThreadTeam implements AutoCloseable {
    /** The work of one part; the team calls it with 0 to size() - 1. */
    public interface Job {
        /** Does part {@code part} of the job; returns whether that part had any work in it. */
        boolean run(int part);
    }

    /**
     * Thread.onSpinWait (a PAUSE on x86, kinder to the other hyper-thread), looked up rather than
     * called: Android's API has no such method, and the runtime must load there; null without it.
     */
    private static final MethodHandle ON_SPIN_WAIT = onSpinWait();

    private static MethodHandle onSpinWait() {
        try {
            return MethodHandles.publicLookup().findStatic(Thread.class, "onSpinWait", MethodType.methodType(void.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    private static void spinPause() {
        if (ON_SPIN_WAIT != null) {
            try {
                ON_SPIN_WAIT.invokeExact();
            } catch (Throwable e) {
                throw new AssertionError(e);
            }
        }
    }

    /** How long a worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = 50_000;
    private static final AtomicInteger TEAMS = new AtomicInteger();

    private final Worker[] workers;
    /** Bumped for each job (and for close): a worker runs a job when it sees a new generation. */
    private volatile long generation;
    private volatile Job job;
    private volatile boolean closed;
    /** Workers still running the current job. */
    private final AtomicInteger running = new AtomicInteger();
    /** The first failure of a worker in the current job, rethrown by {@link #run}. */
    private volatile Throwable failure;

    /**
     * A team of {@code threads} (the caller and threads - 1 daemon workers named
     * {@code sequin-<name>-<team>-<k>}).
     */
    public ThreadTeam(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("a team of " + threads + " threads; at least 1");
        }
        int team = TEAMS.incrementAndGet();
        workers = new Worker[threads - 1];
        for (int k = 0; k < workers.length; k++) {
            workers[k] = new Worker(k + 1);
            Thread t = new Thread(workers[k], "sequin-" + name + "-" + team + "-" + (k + 1));
            t.setDaemon(true);
            workers[k].thread = t;
        }
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    /** The caller and the workers: the number of parts a job has. */
    public int size() {
        return workers.length + 1;
    }

    /**
     * Runs {@code job} for parts 0 to size() - 1, part 0 on this thread, and returns when every
     * part is done.
     *
     * @throws IllegalStateException if the team is closed
     * @throws RuntimeException or Error a part threw (the first one; the others finished)
     */
    public void run(Job job) {
        if (closed) {
            throw new IllegalStateException("the thread team is closed");
        }
        failure = null;
        this.job = job;
        running.set(workers.length);
        generation++;
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        Throwable own = null;
        try {
            job.run(0);
        } catch (RuntimeException | Error e) {
            own = e;
        }
        while (running.get() > 0) {
            spinPause();
        }
        this.job = null;
        Throwable t = own != null ? own : failure;
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
    }

    /**
     * How many jobs worker k (1 to size() - 1) has found work in: shows how a team's jobs are
     * shared. Exact on the thread that calls {@link #run}, between jobs.
     */
    public long busyJobs(int k) {
        return workers[k - 1].busyJobs;
    }

    /** The workers' threads, for checks that they allocate nothing and end with the team. */
    public Thread[] threads() {
        Thread[] out = new Thread[workers.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = workers[k].thread;
        }
        return out;
    }

    /**
     * Stops the workers and waits for them to end; the team can run no more jobs. Idempotent.
     * Call it from the thread that runs the jobs (or once none is running), never during {@link #run}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        generation++;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        boolean interrupted = false;
        for (Worker w : workers) {
            while (true) {
                try {
                    w.thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Worker implements Runnable {
        private final int part;
        private Thread thread;
        /** Set before the worker parks, so that a new job knows to unpark it. */
        private volatile boolean parked;
        /** Written by this worker only; its decrement of {@code running} publishes it to the caller. */
        private long busyJobs;

        Worker(int part) {
            this.part = part;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long g = awaitGeneration(seen);
                if (closed) {
                    return;
                }
                seen = g;
                try {
                    if (job.run(part)) {
                        busyJobs++;
                    }
                } catch (RuntimeException | Error e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    running.decrementAndGet();
                }
            }
        }

        /** Spins, then parks, until the generation moves past {@code seen}; returns it. */
        private long awaitGeneration(long seen) {
            long start = System.nanoTime();
            long g;
            while ((g = generation) == seen) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    spinPause();
                    continue;
                }
                parked = true;
                // Checked again after announcing the park: a job published in between unparks us, or is seen here.
                if (generation == seen) {
                    LockSupport.park(this);
                }
                parked = false;
            }
            return g;
        }
    }
}
