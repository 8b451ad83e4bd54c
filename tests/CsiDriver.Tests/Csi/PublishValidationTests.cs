using Grpc.Core;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Csi;

public sealed class PublishValidationTests
{
    public static TheoryData<string, Action<NodePublishVolumeRequest>, string> MalformedRequests => new()
    {
        { "no capability", r => r.VolumeCapability = null, "Volume capability missing in request" },
        { "no volume id", r => r.VolumeId = string.Empty, "Volume ID missing in request" },
        { "no target", r => r.TargetPath = string.Empty, "Target path missing in request" },
        { "no context", r => r.VolumeContext.Clear(), "Volume attributes missing in request" },
        { "no class", r => r.VolumeContext.Remove("secretProviderClass"), "secretProviderClass" },
        { "no pod namespace", r => r.VolumeContext.Remove("csi.storage.k8s.io/pod.namespace"), "podInfoOnMount" },
        { "not readonly", r => r.Readonly = false, "Readonly is not true in request" },
        { "block access", r => r.VolumeCapability.Block = new VolumeCapability.Types.BlockVolume(), "mount access type" },
        { "relative target", r => r.TargetPath = "relative/mount", "absolute" },
        { "dot-dot target", r => r.TargetPath = "/var/lib/kubelet/pods/../../etc", "absolute, clean" },
        { "bad fsGroup", r => r.VolumeCapability.Mount.VolumeMountGroup = "wheel", "numeric group" },
        { "bad tokens json", r => r.VolumeContext["csi.storage.k8s.io/serviceAccount.tokens"] = "{not json", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Publish_MalformedRequest_InvalidArgumentAndTargetUntouched(string scenario, Action<NodePublishVolumeRequest> breakIt, string message)
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "value");
        driver.WriteClass("app", "local", "- objectName: a");
        var target = driver.TargetPath();
        var request = CsiClient.PublishRequest(target);
        breakIt(request);

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(request));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument, scenario);
        error.Status.Detail.Should().Contain(message);
        Directory.Exists(target).Should().BeFalse();
    }

    [Theory]
    [InlineData("", "x")]
    [InlineData("vol", "")]
    [InlineData("vol", "not/absolute")]
    public async Task Unpublish_MissingOrBadArguments_InvalidArgument(string volumeId, string target)
    {
        await using var driver = await DriverFixture.StartAsync();
        var error = await CsiClient.FailsAsync(() => driver.Client.UnpublishAsync(volumeId, target));
        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
    }

    [Fact]
    public async Task Publish_ClassMissing_NotFoundNamingClassAndNothingMounted()
    {
        await using var driver = await DriverFixture.StartAsync();
        var target = driver.TargetPath();

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(target, className: "nope")));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Status.Detail.Should().Contain("default/nope");
        Directory.Exists(target).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_ClassInAnotherNamespace_NotFound()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("a", "value");
        driver.WriteClass("app", "local", "- objectName: a", @namespace: "team-a");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath(), podNamespace: "team-b")));

        error.StatusCode.Should().Be(StatusCode.NotFound);
        error.Status.Detail.Should().Contain("team-b/app");
    }

    [Fact]
    public async Task Publish_UnknownProvider_UnavailableListingKnownProvidersAndPluginFolders()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteClass("app", "nosuch", "- objectName: a");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        // Not built in, so it is an external plugin whose socket is missing: retryable, the plugin may start later.
        error.StatusCode.Should().Be(StatusCode.Unavailable);
        error.Status.Detail.Should().Contain("\"nosuch\"").And.MatchRegex(@"built in: [a-z, ]*\blocal\b").And.Contain("nosuch.sock").And.Contain(driver.Options.ProviderVolume);
    }

    [Fact]
    public async Task Publish_MalformedObjectsYaml_InvalidArgumentWithPosition()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteClass("app", "local", "- objectName: [unclosed");

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("objects").And.Contain("line");
    }
}
