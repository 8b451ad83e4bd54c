using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Rotation;

public sealed class StaleIfErrorTests
{
    private const string Objects = "- objectName: db/password";

    private static async Task<(LoopbackSecretsApi Api, RotationDriver Driver)> StartAsync(string? rotationYaml = "staleIfError: 10m")
    {
        var api = await LoopbackSecretsApi.StartAsync();
        api.PutSecret("default", "db", new() { ["password"] = "s3cret-value" });
        foreach (var (token, sa) in new[] { ("tok-1", "app-sa"), ("tok-2", "app-sa"), ("tok-3", "app-sa"), ("tok-other", "other-sa") })
        {
            api.AddPodToken(token, "default", sa);
        }

        var driver = await RotationDriver.StartAsync(api: api);
        driver.WriteClass("app", "kubernetes", Objects, rotationYaml: rotationYaml);
        await driver.PublishAsync("vol-1", "app", "pod-1", tokensJson: driver.Tokens("tok-1", TimeSpan.FromHours(2)));
        api.Down = true;
        return (api, driver);
    }

    [Fact]
    public async Task NewPublish_BackendDownWithinWindow_ServesWhatTheSameIdentityFetchedAndWarns()
    {
        var (api, driver) = await StartAsync();
        await using var _ = api;
        await using var __ = driver;
        driver.Clock.Advance(TimeSpan.FromMinutes(5));

        var target = await driver.PublishAsync("vol-2", "app", "pod-2", tokensJson: driver.Tokens("tok-2", TimeSpan.FromHours(1)));

        Volume.Read(target, "db/password").Should().Be("s3cret-value");
        var warning = api.Events.Should().ContainSingle(e => e.Reason == "StaleObjectsServed").Subject;
        warning.Type.Should().Be("Warning");
        warning.Pod.Should().Be("pod-pod-2");
        warning.Message.Should().Contain("default/app").And.Contain("5m0s ago").And.Contain("staleIfError 10m0s").And.NotContain("s3cret-value").And.NotContain("tok-");
        driver.Logs.AllText.Should().NotContain("s3cret-value").And.NotContain("tok-2");
    }

    [Fact]
    public async Task NewPublish_CacheOlderThanWindow_FailsAsUnavailable()
    {
        var (api, driver) = await StartAsync();
        await using var _ = api;
        await using var __ = driver;
        driver.Clock.Advance(TimeSpan.FromMinutes(11));

        var failure = await CsiClient.FailsAsync(() => driver.PublishAsync("vol-2", "app", "pod-2", tokensJson: driver.Tokens("tok-2", TimeSpan.FromHours(1))));

        failure.StatusCode.Should().Be(StatusCode.Unavailable);
        failure.Message.Should().Contain("default/app").And.NotContain("s3cret-value");
        api.Events.Should().NotContain(e => e.Reason == "StaleObjectsServed");
    }

    [Fact]
    public async Task NewPublish_DifferentServiceAccount_NeverServedAnotherIdentitysObjects()
    {
        var (api, driver) = await StartAsync();
        await using var _ = api;
        await using var __ = driver;

        var failure = await CsiClient.FailsAsync(() => driver.PublishAsync("vol-2", "app", "pod-2", serviceAccount: "other-sa", tokensJson: driver.Tokens("tok-other", TimeSpan.FromHours(1))));

        failure.StatusCode.Should().Be(StatusCode.Unavailable);
        Directory.Exists(driver.TargetPath("pod-2")).Should().BeFalse();
    }

    [Fact]
    public async Task NewPublish_ClassWithoutStaleIfError_FailsAsBefore()
    {
        var (api, driver) = await StartAsync(rotationYaml: null);
        await using var _ = api;
        await using var __ = driver;

        var failure = await CsiClient.FailsAsync(() => driver.PublishAsync("vol-2", "app", "pod-2", tokensJson: driver.Tokens("tok-2", TimeSpan.FromHours(1))));

        failure.StatusCode.Should().Be(StatusCode.Unavailable);
    }

    [Fact]
    public async Task NewPublish_BackendRefusesTheIdentity_NotServedFromCache()
    {
        var (api, driver) = await StartAsync();
        await using var _ = api;
        await using var __ = driver;
        api.Down = false;

        // A pod token the API server does not accept: 401 is a refusal, not an outage.
        var failure = await CsiClient.FailsAsync(() => driver.PublishAsync("vol-2", "app", "pod-2", tokensJson: driver.Tokens("tok-unknown", TimeSpan.FromHours(1))));

        failure.StatusCode.Should().NotBe(StatusCode.OK);
        Directory.Exists(driver.TargetPath("pod-2")).Should().BeFalse();
    }
}
