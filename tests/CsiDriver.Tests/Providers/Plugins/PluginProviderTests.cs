using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using CsiDriver.Providers;
using CsiDriver.Providers.Plugins;
using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;
using static CsiDriver.Tests.Providers.Plugins.PluginTestContext;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>The plugin adapter against the real grpc-js plugin (tests/interop/plugin-server.js) on a unix socket.</summary>
public sealed class PluginProviderTests : IDisposable
{
    private readonly PluginTestContext _context = new();

    [Fact]
    public async Task Fetch_OkPlugin_HandshakesThenReturnsFilesAndVersions()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "ok");

        var result = await _context.Factory.Create("fake").FetchAsync(
            Request(attributes: FakeFiles(("a.txt", "hello"), ("dir/b.txt", "wörld"))), CancellationToken.None);

        result.Files.Select(f => f.Path).Should().Equal("a.txt", "dir/b.txt");
        Encoding.UTF8.GetString(result.Files[1].Contents.Span).Should().Be("wörld");
        result.Files.Should().AllSatisfy(f => f.Mode.Should().Be((UnixFileMode)420));
        result.Versions.Should().Equal(new ObjectVersion("a.txt", "v1"), new ObjectVersion("dir/b.txt", "v1"));
        _context.Logs.AllText.Should().Contain("[501]").And.Contain("protocol v1alpha1, runtime fake 0.1.0");
    }

    [Fact]
    public async Task Fetch_SendsAttributesTokensSecretsPermissionTargetAndCurrentVersions_AsThePluginDecodesThem()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "ok");
        var attributes = FakeFiles(("a.txt", "x"));
        attributes["objects"] = "- name: db <&> \"quoted\"";
        attributes["csi.storage.k8s.io/pod.name"] = "app-pod";
        var secrets = new Dictionary<string, string> { ["clientSecret"] = "s3cr3t", ["clientId"] = "id" };

        await _context.Factory.Create("fake").FetchAsync(
            Request(attributes: attributes, secrets: secrets, currentVersions: [new ObjectVersion("a.txt", "v0")], targetPath: "/pods/p/mount"),
            CancellationToken.None);

        var received = plugin.Requests().Should().ContainSingle().Subject;
        var sentAttributes = received.GetProperty("attributes");
        sentAttributes.GetProperty("objects").GetString().Should().Be("- name: db <&> \"quoted\"");
        sentAttributes.GetProperty("csi.storage.k8s.io/pod.name").GetString().Should().Be("app-pod");
        sentAttributes.GetProperty("csi.storage.k8s.io/serviceAccount.tokens").GetString().Should().Be(TokensJson);
        received.GetProperty("secrets").GetProperty("clientSecret").GetString().Should().Be("s3cr3t");
        received.GetProperty("secrets").GetProperty("clientId").GetString().Should().Be("id");
        received.GetProperty("permission").GetString().Should().Be("420");
        received.GetProperty("target_path").GetString().Should().Be("/pods/p/mount");
        var current = received.GetProperty("current_object_version").EnumerateArray().Should().ContainSingle().Subject;
        current.GetProperty("id").GetString().Should().Be("a.txt");
        current.GetProperty("version").GetString().Should().Be("v0");
    }

    [Fact]
    public async Task Fetch_NoSecretsAndNoTokens_SendsJsonNullSecretsAndNoTokenAttribute()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "ok");

        await _context.Factory.Create("fake").FetchAsync(Request(tokensJson: null), CancellationToken.None);

        var received = plugin.Requests().Should().ContainSingle().Subject;
        received.GetProperty("secrets").ValueKind.Should().Be(JsonValueKind.Null);
        received.GetProperty("attributes").TryGetProperty("csi.storage.k8s.io/serviceAccount.tokens", out _).Should().BeFalse();
        received.GetProperty("current_object_version").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Fetch_PluginReturnsErrorCode_FailsWithTheCodeAsReason()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "error");

        var ex = await FailsAsync(Request());

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Reason.Should().Be("BackendDown");
        ex.Message.Should().Contain("team-a/app-secrets").And.Contain("\"fake\"").And.Contain("error code BackendDown");
    }

    [Fact]
    public async Task Fetch_PluginFailsWithGrpcUnavailable_IsUnavailableWithThePluginsMessage()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "grpcerror");

        var ex = await FailsAsync(Request());

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("team-a/app-secrets").And.Contain("Mount").And.Contain("UNAVAILABLE backend unreachable");
    }

    [Fact]
    public async Task Fetch_PluginRejectsAttributesWithInvalidArgument_IsInvalidConfiguration()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "ok");

        var ex = await FailsAsync(Request(attributes: new Dictionary<string, string> { ["fakeFiles"] = "{not json" }));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("INVALID_ARGUMENT").And.Contain("bad attributes");
    }

    [Fact]
    public async Task Fetch_PluginReturnsNoObjectVersions_IsAnError()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "ok");

        var ex = await FailsAsync(Request(attributes: new Dictionary<string, string> { ["fakeFiles"] = "[]" }));

        ex.Reason.Should().Be("GRPCProviderError");
        ex.Message.Should().Contain("missing object versions");
    }

    [Fact]
    public async Task Fetch_HangingPlugin_IsCutOffByTheDeadline_AndLaterCallsAreNotBlocked()
    {
        using var context = new PluginTestContext(o => new PluginOptions { SearchFolders = o.SearchFolders, MountTimeout = TimeSpan.FromSeconds(1) });
        await using var plugin = await context.StartPluginAsync("fake", "hang");
        var provider = context.Factory.Create("fake");

        var first = await FailsAsync(Request(), provider).WaitAsync(TimeSpan.FromSeconds(30));
        var second = await FailsAsync(Request(), provider).WaitAsync(TimeSpan.FromSeconds(30));

        first.Kind.Should().Be(FailureKind.Timeout);
        first.Message.Should().Contain("DEADLINE_EXCEEDED").And.Contain("team-a/app-secrets");
        second.Kind.Should().Be(FailureKind.Timeout, "the connection stays usable after a call was cut off");
        plugin.Requests().Should().HaveCount(2);
    }

    [Fact]
    public async Task Fetch_WhileAMountHangs_OtherCallsOnTheSameConnectionStillAnswer_AndCancellationStopsTheHungCall()
    {
        await using var plugin = await _context.StartPluginAsync("fake", "ok");
        var provider = _context.Factory.Create("fake");
        using var cancel = new CancellationTokenSource();
        var hanging = FakeFiles(("a.txt", "x"));
        hanging["fakeHang"] = "true";

        var hung = provider.FetchAsync(Request(attributes: hanging), cancel.Token);
        await Eventually.TrueAsync(() => plugin.Requests().Count == 1, because: "the plugin to receive the Mount");
        var answered = await provider.FetchAsync(Request(attributes: FakeFiles(("b.txt", "y"))), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        answered.Files.Select(f => f.Path).Should().Equal("b.txt");
        _context.Logs.Events(501).Should().ContainSingle("both calls went over one connection: the plugin was handshaken once");
        hung.IsCompleted.Should().BeFalse();

        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => hung.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Fetch_NoSocketInAnyFolder_IsUnavailableNamingProviderAndFolders()
    {
        var ex = await FailsAsync(Request(provider: "absent"), _context.Factory.Create("absent"));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("team-a/app-secrets").And.Contain("\"absent\"").And.Contain("absent.sock")
            .And.Contain(_context.AdditionalFolder).And.Contain(_context.ProviderVolume);
    }

    [Fact]
    public async Task Fetch_DeadSocket_NobodyListening_IsUnavailableNamingTheSocket()
    {
        var path = Path.Combine(_context.ProviderVolume, "fake.sock");
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET unlinks the path it bound on dispose; renamed away first, the socket file outlives its listener.
            var bound = path + ".bound";
            socket.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, path);
        }

        File.Exists(path).Should().BeTrue();

        var ex = await FailsAsync(Request());

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain(path).And.Contain("Version handshake");
    }

    [Fact]
    public async Task Fetch_PluginKilled_SocketLeftBehind_IsUnavailable_ThenRecoversWhenThePluginRestarts()
    {
        var plugin = await _context.StartPluginAsync("fake", "ok");
        var provider = _context.Factory.Create("fake");
        (await provider.FetchAsync(Request(), CancellationToken.None)).Files.Should().ContainSingle();
        await plugin.DisposeAsync(); // SIGKILL: the socket file stays, nobody listens.

        var ex = await FailsAsync(Request(), provider);
        ex.Kind.Should().Be(FailureKind.Unavailable);

        await using var restarted = await _context.StartPluginAsync("fake", "ok");
        var result = await provider.FetchAsync(Request(), CancellationToken.None);

        result.Files.Should().ContainSingle();
        _context.Logs.AllText.Should().Contain("[503]");
        _context.Logs.Lines.Count(l => l.Contains("[501]", StringComparison.Ordinal)).Should().Be(2, "the new socket gets its own handshake");
    }

    [Fact]
    public async Task Fetch_ResponseOverTheReceiveLimit_IsTooLargeWithAHint()
    {
        using var context = new PluginTestContext(o => new PluginOptions { SearchFolders = o.SearchFolders, MaxReceiveMessageSize = 16 * 1024 });
        await using var plugin = await context.StartPluginAsync("fake", "ok");

        var ex = await FailsAsync(Request(attributes: FakeFiles(("big.bin", new string('x', 64 * 1024)))), context.Factory.Create("fake"));

        ex.Kind.Should().Be(FailureKind.TooLarge);
        ex.Message.Should().Contain("16384").And.Contain("--max-call-recv-msg-size");
        context.Logs.AllText.Should().Contain("[505]");
    }

    [Fact]
    public async Task Fetch_SocketInBothFolders_AdditionalFolderWins_ProviderVolumeIsTheFallback()
    {
        var first = await _context.StartPluginAsync("fake", "ok", _context.AdditionalFolder);
        await using var last = await _context.StartPluginAsync("fake", "ok", _context.ProviderVolume);
        var provider = _context.Factory.Create("fake");

        await provider.FetchAsync(Request(), CancellationToken.None);
        first.Requests().Should().ContainSingle();
        last.Requests().Should().BeEmpty();

        await first.DisposeAsync();
        File.Delete(first.SocketPath);
        await provider.FetchAsync(Request(), CancellationToken.None);

        last.Requests().Should().ContainSingle();
    }

    [Fact]
    public async Task Fetch_PathThatIsNotASocket_IsUnavailableSayingSo()
    {
        File.WriteAllText(Path.Combine(_context.ProviderVolume, "fake.sock"), "not a socket");

        var ex = await FailsAsync(Request());

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("is not a unix socket");
    }

    [Theory]
    [InlineData("../fake")]
    [InlineData("a/b")]
    [InlineData("fake\n")]
    [InlineData("fake.sock")]
    [InlineData("this-provider-name-is-far-too-long")]
    public async Task Fetch_HostileProviderName_IsRejectedBeforeAnyFileIsTouched(string name)
    {
        var ex = await FailsAsync(Request(provider: name), _context.Factory.Create(name));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("invalid provider");
    }

    [Fact]
    public async Task Fetch_Failures_NeverCarryTheTokenOrSecretValues()
    {
        var secrets = new Dictionary<string, string> { ["clientSecret"] = "s3cr3t-value" };
        var messages = new List<string>();
        foreach (var mode in new[] { "error", "grpcerror" })
        {
            using var context = new PluginTestContext();
            await using var plugin = await context.StartPluginAsync("fake", mode);
            messages.Add((await FailsAsync(Request(secrets: secrets), context.Factory.Create("fake"))).Message);
        }

        messages.Add((await FailsAsync(Request(provider: "absent", secrets: secrets), _context.Factory.Create("absent"))).Message);

        messages.Should().AllSatisfy(m => m.Should().NotContain(Token).And.NotContain("s3cr3t-value"));
        _context.Logs.AllText.Should().NotContain(Token);
    }

    private Task<SecretStoreException> FailsAsync(ProviderRequest request) => FailsAsync(request, _context.Factory.Create(request.Class.Provider));

    private static async Task<SecretStoreException> FailsAsync(ProviderRequest request, IProvider provider)
    {
        try
        {
            await provider.FetchAsync(request, CancellationToken.None);
        }
        catch (SecretStoreException ex)
        {
            return ex;
        }

        throw new Xunit.Sdk.XunitException("the fetch succeeded but was expected to fail");
    }

    public void Dispose() => _context.Dispose();
}
