using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Observability;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>Work queues on a manual clock: de-duplication, one worker per key, backoff, jittered requeues.</summary>
public sealed class WorkQueueTests
{
    private static readonly ObjectKey A = new("team-a", "a");
    private static readonly ObjectKey B = new("team-a", "b");

    [Fact]
    public async Task Add_SameKeyManyTimesWhileWaiting_HandedOutOnce()
    {
        using var queue = new WorkQueue("ExternalSecret", new ManualTimeProvider());

        queue.Add(A);
        queue.Add(A);
        queue.Add(B);
        queue.Add(A);

        queue.Depth.Should().Be(2);
        (await TakeAsync(queue)).Should().Be(A);
        (await TakeAsync(queue)).Should().Be(B);
        queue.Depth.Should().Be(0);
    }

    [Fact]
    public async Task Add_WhileTheKeyIsInProgress_NotHandedToASecondWorker_QueuedAgainWhenDone()
    {
        using var queue = new WorkQueue("ExternalSecret", new ManualTimeProvider());
        queue.Add(A);
        var first = await TakeAsync(queue);

        queue.Add(A);
        queue.Depth.Should().Be(0, "A is being reconciled; the new add waits for it");
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var second = () => queue.TakeAsync(none.Token);
        await second.Should().ThrowAsync<OperationCanceledException>();

        queue.Done(first);
        (await TakeAsync(queue)).Should().Be(A);
    }

    [Fact]
    public void ItemBackoff_DoublesFromOneSecond_CapsAtSevenMinutes_SuccessForgets()
    {
        var backoff = new ItemBackoff();

        var delays = Enumerable.Range(0, 12).Select(_ => backoff.NextDelay(A).TotalSeconds).ToArray();

        delays.Should().Equal(1, 2, 4, 8, 16, 32, 64, 128, 256, 420, 420, 420);
        backoff.NextDelay(B).Should().Be(TimeSpan.FromSeconds(1), "each key has its own count");
        backoff.Forget(A);
        backoff.NextDelay(A).Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task FailingReconcile_IsRetriedAfter1sThen2sThen4s_OnTheClock()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue("ExternalSecret", clock);
        var reconciler = new RecordingReconciler("ExternalSecret", _ => ReconcileResult.Retry);
        var workers = new QueueWorkers(queue, reconciler, () => 0.5, new RuntimeMetrics(new MetricsRegistry()), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = workers.RunAsync(1, stop.Token, CancellationToken.None);

        queue.Add(A);
        foreach (var (expected, calls) in new[] { (1, 1), (2, 2), (4, 3) })
        {
            await Eventually.TrueAsync(() => reconciler.Calls.Count == calls && queue.ScheduledCount == 1, ControllerTestContext.Wait, $"failure {calls} scheduled a retry");
            clock.RequestedDelays[^1].Should().Be(TimeSpan.FromSeconds(expected));
            clock.Advance(TimeSpan.FromSeconds(expected) - TimeSpan.FromMilliseconds(1));
            reconciler.Calls.Should().HaveCount(calls, "not before the backoff is over");
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        await Eventually.TrueAsync(() => reconciler.Calls.Count == 4, ControllerTestContext.Wait, "the fourth attempt");
        await stop.CancelAsync();
        await run;
    }

    [Theory]
    [InlineData(0.0, 3600)]
    [InlineData(0.5, 3780)]
    [InlineData(0.999, 3959.64)]
    public async Task RequeueAfter_IsStretchedByUpToTenPercentJitter_NeverShortened(double random, double expectedSeconds)
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue("ExternalSecret", clock);
        var reconciler = new RecordingReconciler("ExternalSecret", _ => ReconcileResult.After(TimeSpan.FromHours(1)));
        var workers = new QueueWorkers(queue, reconciler, () => random, new RuntimeMetrics(new MetricsRegistry()), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = workers.RunAsync(1, stop.Token, CancellationToken.None);

        queue.Add(A);
        await Eventually.TrueAsync(() => queue.ScheduledCount == 1, ControllerTestContext.Wait, "the timed requeue");

        clock.RequestedDelays[^1].TotalSeconds.Should().BeApproximately(expectedSeconds, 0.01);
        clock.Advance(TimeSpan.FromSeconds(expectedSeconds + 0.01));
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 2, ControllerTestContext.Wait, "the refresh");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ReconcileAnswer_ReplacesThePendingTimedRequeue_DoneCancelsIt()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue("ExternalSecret", clock);
        var answers = new Queue<ReconcileResult>([ReconcileResult.After(TimeSpan.FromHours(1)), ReconcileResult.Done]);
        var reconciler = new RecordingReconciler("ExternalSecret", _ => answers.Dequeue());
        var workers = new QueueWorkers(queue, reconciler, () => 0, new RuntimeMetrics(new MetricsRegistry()), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = workers.RunAsync(1, stop.Token, CancellationToken.None);

        queue.Add(A);
        await Eventually.TrueAsync(() => queue.ScheduledCount == 1, ControllerTestContext.Wait, "the timed requeue");
        queue.Add(A); // An event: reconciled now, and its answer (no requeue) drops the hourly timer.
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 2 && queue.ScheduledCount == 0, ControllerTestContext.Wait, "the timer is gone");

        clock.Advance(TimeSpan.FromHours(2));
        await stop.CancelAsync();
        await run;
        reconciler.Calls.Should().HaveCount(2);
    }

    [Fact]
    public async Task ManyWorkers_NeverReconcileOneKeyTwiceAtOnce_ButDoOtherKeysInParallel()
    {
        using var queue = new WorkQueue("ExternalSecret", new ManualTimeProvider());
        var reconciler = new BlockingReconciler();
        var workers = new QueueWorkers(queue, reconciler, () => 0, new RuntimeMetrics(new MetricsRegistry()), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = workers.RunAsync(4, stop.Token, CancellationToken.None);

        queue.Add(A);
        await Eventually.TrueAsync(() => reconciler.Running(A) == 1, ControllerTestContext.Wait, "A in progress");
        queue.Add(A);
        queue.Add(B);
        await Eventually.TrueAsync(() => reconciler.Running(B) == 1, ControllerTestContext.Wait, "B runs beside A");
        reconciler.Running(A).Should().Be(1, "the second add of A waits for the first reconcile");

        reconciler.Release();
        await Eventually.TrueAsync(() => reconciler.Completed(A) == 2 && reconciler.Completed(B) == 1, ControllerTestContext.Wait, "A again, after it was done");
        reconciler.MaxConcurrent(A).Should().Be(1);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Stop_LetsTheReconcileInFlightFinish()
    {
        using var queue = new WorkQueue("ExternalSecret", new ManualTimeProvider());
        var reconciler = new BlockingReconciler();
        var workers = new QueueWorkers(queue, reconciler, () => 0, new RuntimeMetrics(new MetricsRegistry()), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = workers.RunAsync(1, stop.Token, CancellationToken.None);
        queue.Add(A);
        await Eventually.TrueAsync(() => reconciler.Running(A) == 1, ControllerTestContext.Wait, "A in progress");

        await stop.CancelAsync();
        run.IsCompleted.Should().BeFalse("the reconcile in flight is not abandoned");
        reconciler.Release();
        await run.WaitAsync(ControllerTestContext.Wait);

        reconciler.Completed(A).Should().Be(1);
        reconciler.Cancelled.Should().BeFalse();
    }

    private static async Task<ObjectKey> TakeAsync(WorkQueue queue)
    {
        using var timeout = new CancellationTokenSource(ControllerTestContext.Wait);
        return await queue.TakeAsync(timeout.Token);
    }

    private sealed class BlockingReconciler : IReconciler
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<ObjectKey, (int Running, int Max, int Completed)> _stats = [];

        public string Kind => "ExternalSecret";

        public bool Cancelled { get; private set; }

        public int Running(ObjectKey key) => Read(key).Running;

        public int MaxConcurrent(ObjectKey key) => Read(key).Max;

        public int Completed(ObjectKey key) => Read(key).Completed;

        public void Release() => _gate.TrySetResult();

        public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            Change(key, s => (s.Running + 1, Math.Max(s.Max, s.Running + 1), s.Completed));
            try
            {
                await _gate.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            finally
            {
                Change(key, s => (s.Running - 1, s.Max, s.Completed + 1));
            }

            return ReconcileResult.Done;
        }

        private (int Running, int Max, int Completed) Read(ObjectKey key)
        {
            lock (_stats)
            {
                return _stats.GetValueOrDefault(key);
            }
        }

        private void Change(ObjectKey key, Func<(int Running, int Max, int Completed), (int, int, int)> update)
        {
            lock (_stats)
            {
                _stats[key] = update(_stats.GetValueOrDefault(key));
            }
        }
    }
}
