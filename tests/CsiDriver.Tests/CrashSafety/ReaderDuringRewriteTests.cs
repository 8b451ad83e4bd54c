using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.CrashSafety;

public sealed class ReaderDuringRewriteTests
{
    [Fact]
    public async Task Republish_ReaderLoopingThroughDataLink_NeverSeesAMixOrAPartialFile()
    {
        await using var driver = await DriverFixture.StartAsync();
        string[] names = ["a", "b", "nested/c"];
        void Write(int generation)
        {
            foreach (var name in names)
            {
                driver.WriteStoreFile(name, $"gen-{generation}:{name}:" + new string('x', 4096));
            }
        }

        Write(0);
        driver.WriteClass("app", "local", string.Join('\n', names.Select(n => $"- objectName: {n}")));
        var target = driver.TargetPath();
        var request = CsiClient.PublishRequest(target);
        await driver.Client.PublishAsync(request);

        using var stop = new CancellationTokenSource();
        var snapshots = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // A consistent reader resolves ..data once, then reads the set from that directory.
                var live = Volume.DataLink(target);
                try
                {
                    var contents = names.Select(n => File.ReadAllText(Path.Combine(target, live!, n))).ToList();
                    contents.Should().AllSatisfy(c => c.Should().EndWith(new string('x', 4096), "a file is never seen half-written"));
                    contents.Select(c => c[..c.IndexOf(':', StringComparison.Ordinal)]).Distinct().Should().ContainSingle();
                    Interlocked.Increment(ref snapshots);
                }
                catch (IOException)
                {
                    // The set was replaced and its old directory removed mid-read: read the new one.
                }
            }
        });

        for (var generation = 1; generation <= 40; generation++)
        {
            Write(generation);
            await driver.Client.PublishAsync(request);
            Volume.Read(target, "nested/c").Should().StartWith($"gen-{generation}:");
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref snapshots) > 40, because: "the reader to take snapshots");
        await stop.CancelAsync();
        await reader;
    }
}
