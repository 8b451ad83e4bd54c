using System.Text.Json;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Interop;

/// <summary>
/// Our gRPC server (Kestrel + the unary layer) called by the real grpc-js client (tests/interop/client.js),
/// the way a non-.NET kubelet-like peer would: identity, node info, errors and a full publish/unpublish.
/// </summary>
public sealed class GrpcServerInteropTests : IAsyncLifetime
{
    private DriverFixture _driver = null!;

    public async Task InitializeAsync()
    {
        _ = NodeInterop.Directory; // Fails early, saying to run npm ci, when the harness is missing.
        _driver = await DriverFixture.StartAsync();
    }

    public async Task DisposeAsync() => await _driver.DisposeAsync();

    [Fact]
    public async Task GetPluginInfo_FromGrpcJs_ReturnsNameAndVersion()
    {
        var reply = await CallOkAsync("csi.v1.Identity/GetPluginInfo", "{}");

        reply.GetProperty("name").GetString().Should().Be("secrets-store.csi.k8s.io");
        reply.GetProperty("vendor_version").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task GetPluginCapabilities_FromGrpcJs_DecodesTheSameCapabilitiesAsOurClient()
    {
        var reply = await CallOkAsync("csi.v1.Identity/GetPluginCapabilities", "{}");
        var ours = await _driver.Client.Identity.GetPluginCapabilitiesAsync(new GetPluginCapabilitiesRequest(), CsiClient.Deadline());

        reply.GetProperty("capabilities").GetArrayLength().Should().Be(ours.Capabilities.Count);
    }

    [Fact]
    public async Task Probe_FromGrpcJs_IsReady()
    {
        var reply = await CallOkAsync("csi.v1.Identity/Probe", "{}");

        reply.GetProperty("ready").GetProperty("value").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task NodeGetCapabilities_FromGrpcJs_DecodesTheSameRpcTypesAsOurClient()
    {
        var reply = await CallOkAsync("csi.v1.Node/NodeGetCapabilities", "{}");
        var ours = await _driver.Client.Node.NodeGetCapabilitiesAsync(new NodeGetCapabilitiesRequest(), CsiClient.Deadline());

        var types = reply.GetProperty("capabilities").EnumerateArray().Select(c => c.GetProperty("rpc").GetProperty("type").GetString()).ToList();
        types.Should().HaveCount(ours.Capabilities.Count);
        types.Should().Equal(ours.Capabilities.Select(c => ProtoName(c.Rpc.Type)));
    }

    [Fact]
    public async Task NodeGetInfo_FromGrpcJs_ReturnsTheNodeId()
    {
        var reply = await CallOkAsync("csi.v1.Node/NodeGetInfo", "{}");

        reply.GetProperty("node_id").GetString().Should().Be("test-node");
    }

    [Fact]
    public async Task NodePublishVolume_MissingVolumeId_IsInvalidArgumentForGrpcJs()
    {
        var request = PublishJson(_driver.TargetPath(), volumeId: string.Empty);

        var reply = await NodeInterop.CallAsync(_driver.Host.SocketPath, "csi.v1.Node/NodePublishVolume", request);

        reply.GetProperty("ok").GetBoolean().Should().BeFalse();
        reply.GetProperty("code").GetInt32().Should().Be(3);
        reply.GetProperty("details").GetString().Should().Be("Volume ID missing in request");
    }

    [Fact]
    public async Task UnknownService_IsUnimplementedForGrpcJs()
    {
        var reply = await NodeInterop.CallAsync(_driver.Host.SocketPath, "v1alpha1.CSIDriverProvider/Version", "{\"version\":\"v1alpha1\"}");

        reply.GetProperty("ok").GetBoolean().Should().BeFalse();
        reply.GetProperty("code").GetInt32().Should().Be(12);
    }

    [Fact]
    public async Task NodePublishThenUnpublish_FromGrpcJs_MountsFilesOnTmpfsAndRemovesThem()
    {
        _driver.WriteStoreFile("db/password", "hunter2");
        _driver.WriteClass("app", "local", "- objectName: db/password\n  objectAlias: password");
        var target = _driver.TargetPath();

        var published = await CallOkAsync("csi.v1.Node/NodePublishVolume", PublishJson(target));

        published.ValueKind.Should().Be(JsonValueKind.Object);
        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Read(target, "password").Should().Be("hunter2");

        await CallOkAsync("csi.v1.Node/NodeUnpublishVolume", JsonSerializer.Serialize(new Dictionary<string, string> { ["volume_id"] = "csi-interop", ["target_path"] = target }));

        Volume.MountCount(target).Should().Be(0);
        Directory.Exists(target).Should().BeFalse();
    }

    private async Task<JsonElement> CallOkAsync(string method, string requestJson)
    {
        var reply = await NodeInterop.CallAsync(_driver.Host.SocketPath, method, requestJson);
        reply.GetProperty("ok").GetBoolean().Should().BeTrue($"{method} should succeed, got {reply}");
        return reply.GetProperty("response");
    }

    /// <summary>A NodePublishVolumeRequest in proto field names, as grpc-js's proto-loader takes it.</summary>
    private static string PublishJson(string targetPath, string volumeId = "csi-interop") =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["volume_id"] = volumeId,
            ["target_path"] = targetPath,
            ["readonly"] = true,
            ["volume_capability"] = new Dictionary<string, object>
            {
                ["mount"] = new Dictionary<string, object>(),
                ["access_mode"] = new Dictionary<string, object> { ["mode"] = "SINGLE_NODE_READER_ONLY" },
            },
            ["volume_context"] = new Dictionary<string, string>
            {
                ["secretProviderClass"] = "app",
                ["csi.storage.k8s.io/pod.name"] = "app-pod",
                ["csi.storage.k8s.io/pod.namespace"] = "default",
                ["csi.storage.k8s.io/pod.uid"] = "pod-1",
                ["csi.storage.k8s.io/serviceAccount.name"] = "app-sa",
                ["csi.storage.k8s.io/ephemeral"] = "true",
            },
        });

    /// <summary>The proto enum value name (VOLUME_MOUNT_GROUP) of a generated C# enum value.</summary>
    private static string ProtoName<T>(T value)
        where T : struct, Enum =>
        typeof(T).GetField(value.ToString())!.GetCustomAttributes(typeof(Google.Protobuf.Reflection.OriginalNameAttribute), false)
            .Cast<Google.Protobuf.Reflection.OriginalNameAttribute>().Single().Name;
}
