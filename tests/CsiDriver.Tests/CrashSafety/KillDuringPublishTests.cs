using System.Text.Json;
using Grpc.Core;
using CsiDriver.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CsiDriver.Tests.CrashSafety;

public sealed class KillDuringPublishTests(ITestOutputHelper output)
{
    private static readonly string[] Objects = ["a", "b/c", "d"];

    [Fact]
    public async Task Sigkill_AtRandomPointsOfPublishRepublishAndUnpublish_EveryTargetCompleteOrCleanlyGone()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var dir = new TestDirectory();
        var socket = dir.Combine("csi.sock");
        var store = dir.CreateDirectory("store");
        var classes = dir.CreateDirectory("classes");
        var state = dir.Combine("state");
        File.WriteAllText(Path.Combine(classes, "app.yaml"), """
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata: {name: app, namespace: default}
            spec:
              provider: local
              parameters:
                objects: |
                  - objectName: a
                  - objectName: b/c
                  - objectName: d
            """);
        var targets = Enumerable.Range(0, 4).Select(i => dir.Combine("pods", $"pod-{i}", "mount")).ToList();
        string[] args = ["--metrics-addr", "127.0.0.1:0", "--endpoint", "unix://" + socket, "--state-dir", state, "--spc-dir", classes, "--local-store-root", store];

        for (var generation = 0; generation < 20; generation++)
        {
            // The store changes only between bursts, so every fetch sees one generation.
            WriteGeneration(Path.Combine(store, "default"), generation);
            using var driver = DriverProcess.Start(args);
            await driver.WaitForOutputAsync("serving CSI");
            CheckInvariants(targets, state, generation == 0 ? -1 : generation - 1);

            using var client = new CsiClient(socket);
            var burst = targets.Select((target, i) => Task.Run(async () =>
            {
                for (var n = 0; n < 50; n++)
                {
                    try
                    {
                        if (random.Next(5) == 0)
                        {
                            await client.UnpublishAsync($"vol-{i}", target);
                        }
                        else
                        {
                            await client.PublishAsync(CsiClient.PublishRequest(target, volumeId: $"vol-{i}"));
                        }
                    }
                    catch (RpcException)
                    {
                        return; // the driver was killed under us
                    }
                }
            })).ToList();

            await Task.Delay(random.Next(1, 60));
            driver.Signal("KILL");
            await driver.WaitForExitAsync(TimeSpan.FromSeconds(30));
            await Task.WhenAll(burst);
        }

        using (var last = DriverProcess.Start(args))
        {
            await last.WaitForOutputAsync("serving CSI");
            CheckInvariants(targets, state, 19);
            using var client = new CsiClient(socket);
            for (var i = 0; i < targets.Count; i++)
            {
                await client.UnpublishAsync($"vol-{i}", targets[i]);
            }
        }

        TestDirectory.MountsUnder(dir.Path).Should().BeEmpty("no tmpfs is orphaned");
        Directory.GetFiles(state, "*.json").Should().BeEmpty();
    }

    private static void WriteGeneration(string store, int generation)
    {
        foreach (var name in Objects)
        {
            var path = Path.Combine(store, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"gen-{generation}:{name}");
        }
    }

    /// <summary>
    /// After a restart: a mounted target has exactly one tmpfs, a live ..data, every object present
    /// and all from one generation, and a state record; an unmounted target has no record and no files.
    /// </summary>
    private static void CheckInvariants(List<string> targets, string stateDir, int newestGeneration)
    {
        var recorded = Directory.Exists(stateDir)
            ? Directory.GetFiles(stateDir, "*.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("targetPath").GetString()).ToHashSet()
            : [];
        foreach (var target in targets)
        {
            var mounts = Volume.MountCount(target);
            mounts.Should().BeLessThanOrEqualTo(1, target);
            if (mounts == 0)
            {
                recorded.Should().NotContain(target);
                (!Directory.Exists(target) || Directory.GetFileSystemEntries(target).Length == 0).Should().BeTrue($"{target} is unmounted and must be empty or gone");
                continue;
            }

            recorded.Should().Contain(target);
            Volume.DataLink(target).Should().NotBeNull(target);
            var contents = Objects.Select(o => Volume.Read(target, o)).ToList();
            var generations = contents.Select(c => c[..c.IndexOf(':', StringComparison.Ordinal)]).Distinct().ToList();
            generations.Should().ContainSingle($"{target} must hold one complete set, not a mix: {string.Join(", ", contents)}");
            int.Parse(generations[0]["gen-".Length..], System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(newestGeneration);
            Directory.GetFileSystemEntries(target).Select(Path.GetFileName)
                .Count(n => n!.StartsWith("..", StringComparison.Ordinal) && n != "..data").Should().Be(1, "crash leftovers are swept at start");
        }
    }
}
