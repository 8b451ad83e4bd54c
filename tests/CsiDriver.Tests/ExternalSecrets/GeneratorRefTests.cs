using System.Text.Json.Nodes;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary><c>sourceRef.generatorRef</c> through the ExternalSecret reconciler and the loopback API server.</summary>
public sealed class GeneratorRefTests
{
    private const string GeneratorsGroup = "generators.external-secrets.io";

    private static void Password(EsoTestContext ctx, string name, JsonObject spec) =>
        ctx.Server.PutObject(GeneratorsGroup, "passwords", EsoTestContext.Ns, new JsonObject
        {
            ["apiVersion"] = "generators.external-secrets.io/v1alpha1",
            ["kind"] = "Password",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        });

    private static JsonObject GeneratorSpec(string kind, string name, JsonArray? rewrite = null)
    {
        var entry = new JsonObject
        {
            ["sourceRef"] = new JsonObject { ["generatorRef"] = new JsonObject { ["apiVersion"] = "generators.external-secrets.io/v1alpha1", ["kind"] = kind, ["name"] = name } },
        };
        if (rewrite is not null)
        {
            entry["rewrite"] = rewrite;
        }

        return new JsonObject { ["refreshInterval"] = "1h", ["dataFrom"] = new JsonArray(entry) };
    }

    [Fact]
    public async Task DataFromPassword_EachExternalSecretGetsItsOwn_RefreshRegenerates()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.Server.Allow(KubeTestContext.DriverUser, new FakeRule(GeneratorsGroup, "*", ["get"]));
        Password(ctx, "pw", new JsonObject { ["length"] = 32 });
        ctx.PutExternalSecret("one", GeneratorSpec("Password", "pw"));
        ctx.PutExternalSecret("two", GeneratorSpec("Password", "pw"));

        await ctx.ReconcileAsync("one");
        await ctx.ReconcileAsync("two");

        var first = ctx.Value("one", "password")!;
        first.Should().HaveLength(32);
        ctx.Value("two", "password").Should().NotBe(first, "generated values are never shared");
        ctx.Ready("one")!.Status.Should().Be("True");

        await ctx.ReconcileAsync("one");
        ctx.Value("one", "password").Should().Be(first, "a reconcile before the refresh interval does not regenerate");

        ctx.Clock.Advance(TimeSpan.FromHours(2));
        await ctx.ReconcileAsync("one");
        ctx.Value("one", "password").Should().NotBe(first);
        ctx.Observable.Should().NotContain(first);
    }

    [Fact]
    public async Task DataFromPasswordWithRewrite_KeyRenamed()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.Server.Allow(KubeTestContext.DriverUser, new FakeRule(GeneratorsGroup, "*", ["get"]));
        Password(ctx, "pw", new JsonObject());
        var rewrite = new JsonArray(new JsonObject { ["regexp"] = new JsonObject { ["source"] = "password", ["target"] = "DB_PASSWORD" } });
        ctx.PutExternalSecret("es", GeneratorSpec("Password", "pw", rewrite));

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "DB_PASSWORD").Should().HaveLength(24);
    }

    [Fact]
    public async Task DataItemFromClusterGenerator_KeyPicked()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.Server.Allow(KubeTestContext.DriverUser, new FakeRule(GeneratorsGroup, "*", ["get"]));
        ctx.Server.PutObject(GeneratorsGroup, "clustergenerators", null, new JsonObject
        {
            ["apiVersion"] = "generators.external-secrets.io/v1alpha1",
            ["kind"] = "ClusterGenerator",
            ["metadata"] = new JsonObject { ["name"] = "shared-pw" },
            ["spec"] = new JsonObject { ["kind"] = "Password", ["generator"] = new JsonObject { ["passwordSpec"] = new JsonObject { ["length"] = 12 } } },
        });
        var data = new JsonArray(new JsonObject
        {
            ["secretKey"] = "admin",
            ["remoteRef"] = new JsonObject { ["key"] = "password" },
            ["sourceRef"] = new JsonObject { ["generatorRef"] = new JsonObject { ["kind"] = "ClusterGenerator", ["name"] = "shared-pw" } },
        });
        ctx.PutExternalSecret("es", new JsonObject { ["refreshInterval"] = "1h", ["data"] = data });

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "admin").Should().HaveLength(12);
    }

    [Theory]
    [InlineData("Password", "missing", "not found")]
    [InlineData("UUID", "x", "not supported")]
    public async Task UnknownOrMissingGenerator_ReadyFalseWithTheReason(string kind, string name, string reason)
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.Server.Allow(KubeTestContext.DriverUser, new FakeRule(GeneratorsGroup, "*", ["get"]));
        ctx.PutExternalSecret("es", GeneratorSpec(kind, name));

        await ctx.ReconcileAsync("es");

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains(reason, StringComparison.Ordinal));
    }
}
