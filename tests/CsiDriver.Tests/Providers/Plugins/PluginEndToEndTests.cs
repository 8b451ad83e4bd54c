using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>Through the CSI socket: kubelet's NodePublishVolume served by an external grpc-js plugin, files on a real tmpfs.</summary>
public sealed class PluginEndToEndTests
{
    [Fact]
    public async Task Publish_ClassNamingAPlugin_WritesThePluginsFilesOnTmpfs_AndUnpublishCleansUp()
    {
        await using var driver = await StartDriverAsync();
        await using var plugin = await PluginServer.StartAsync(Path.Combine(driver.Options.ProviderVolume, "fake.sock"), "ok");
        WriteFakeClass(driver, "[[\"db/password\",\"hunter2\"],[\"api-key\",\"k-123\"]]");
        var target = driver.TargetPath();
        var request = CsiClient.PublishRequest(target, extraContext: new Dictionary<string, string> { [Publishing.ServiceAccountTokens.AttributeKey] = PluginTestContext.TokensJson });

        await driver.Client.PublishAsync(request);

        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Read(target, "db/password").Should().Be("hunter2");
        Volume.Read(target, "api-key").Should().Be("k-123");
        Volume.Mode(target, "api-key").Should().Be((UnixFileMode)420);
        var received = plugin.Requests().Should().ContainSingle().Subject;
        received.GetProperty("attributes").GetProperty("csi.storage.k8s.io/pod.name").GetString().Should().Be("app-pod");
        received.GetProperty("attributes").GetProperty("csi.storage.k8s.io/serviceAccount.tokens").GetString().Should().Be(PluginTestContext.TokensJson);
        received.GetProperty("target_path").GetString().Should().Be(target);
        driver.Logs.AllText.Should().Contain("[500]").And.NotContain(PluginTestContext.Token);

        await driver.Client.UnpublishAsync("csi-vol-1", target);
        Directory.Exists(target).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_ClassNamingAPluginThatIsNotRunning_IsUnavailableAndMountsNothing()
    {
        await using var driver = await StartDriverAsync();
        WriteFakeClass(driver, "[[\"a\",\"b\"]]");
        var target = driver.TargetPath();

        var ex = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target)));

        ex.StatusCode.Should().Be(StatusCode.Unavailable);
        ex.Status.Detail.Should().Contain("default/app").And.MatchRegex(@"built in: [a-z, ]*\blocal\b").And.Contain("fake.sock").And.Contain(driver.Options.ProviderVolume);
        Volume.MountCount(target).Should().Be(0);
    }

    [Fact]
    public async Task Publish_PluginReturnsAnErrorCode_FailsAndKeepsNothingMounted()
    {
        await using var driver = await StartDriverAsync();
        await using var plugin = await PluginServer.StartAsync(Path.Combine(driver.Options.ProviderVolume, "fake.sock"), "error");
        WriteFakeClass(driver, "[[\"a\",\"b\"]]");
        var target = driver.TargetPath();

        var ex = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target)));

        ex.StatusCode.Should().Be(StatusCode.Unavailable);
        ex.Status.Detail.Should().Contain("BackendDown");
        Volume.MountCount(target).Should().Be(0);
    }

    private static Task<DriverFixture> StartDriverAsync() =>
        DriverFixture.StartAsync(o =>
        {
            o.ProviderVolume = Path.Combine(Path.GetDirectoryName(o.StateDir)!, "providers");
            o.AdditionalProviderVolumePaths = string.Empty;
        });

    private static void WriteFakeClass(DriverFixture driver, string fakeFilesJson) =>
        File.WriteAllText(
            Path.Combine(driver.SpcDir, "default-app.yaml"),
            $"""
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: app
              namespace: default
            spec:
              provider: fake
              parameters:
                fakeFiles: '{fakeFilesJson}'
            """);
}
