using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Reconcile;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>dataFrom extract, property paths, conversion and decoding strategies, rewrite and templates.</summary>
public sealed class ExternalSecretDataTests
{
    private const string Store = "store";

    private static async Task<EsoTestContext> SyncAsync(JsonObject spec, params (string Key, string Value, string? Version)[] data)
    {
        var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, data);
        ctx.PutExternalSecret("es", spec);
        await ctx.ReconcileAsync("es");
        return ctx;
    }

    private static JsonArray Extract(string key, string? conversion = null, string? decoding = null, JsonArray? rewrite = null)
    {
        var extract = new JsonObject { ["key"] = key };
        if (conversion is not null)
        {
            extract["conversionStrategy"] = conversion;
        }

        if (decoding is not null)
        {
            extract["decodingStrategy"] = decoding;
        }

        var entry = new JsonObject { ["extract"] = extract };
        if (rewrite is not null)
        {
            entry["rewrite"] = rewrite;
        }

        return new JsonArray(entry);
    }

    [Fact]
    public async Task Extract_JsonObject_SplitIntoKeys_DataOverridesDataFrom()
    {
        var spec = EsoTestContext.Spec(Store, dataFrom: Extract("cfg"), data: EsoTestContext.Data(("user", "other")));
        await using var ctx = await SyncAsync(spec, ("cfg", "{\"user\":\"u1\",\"port\":5432,\"nested\":{\"a\":true}}", null), ("other", "u2", null));

        ctx.Value("es", "user").Should().Be("u2");
        ctx.Value("es", "port").Should().Be("5432");
        ctx.Value("es", "nested").Should().Be("{\"a\":true}");
    }

    [Fact]
    public async Task Property_GjsonPathAndVersion_Selected()
    {
        var data = new JsonArray(new JsonObject
        {
            ["secretKey"] = "host",
            ["remoteRef"] = new JsonObject { ["key"] = "cfg", ["property"] = "db.host", ["version"] = "v2" },
        });
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, data: data), ("cfg", "{\"db\":{\"host\":\"old\"}}", "v1"), ("cfg", "{\"db\":{\"host\":\"new\"}}", "v2"));

        ctx.Value("es", "host").Should().Be("new");
    }

    [Theory]
    [InlineData("Default", "a_b_c")]
    [InlineData("Unicode", "a_U002f_b_U0020_c")]
    public async Task ConversionStrategy_InvalidKeyRunes_Converted(string strategy, string expected)
    {
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, dataFrom: Extract("cfg", conversion: strategy)), ("cfg", "{\"a/b c\":\"x\"}", null));

        ctx.Value("es", expected).Should().Be("x");
    }

    [Fact]
    public async Task Rewrite_Regexp_ReplacesKeysAndSkipsConversion()
    {
        var rewrite = new JsonArray(new JsonObject { ["regexp"] = new JsonObject { ["source"] = "^db-(.*)$", ["target"] = "DB_$1" } });
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, dataFrom: Extract("cfg", rewrite: rewrite)), ("cfg", "{\"db-user\":\"u\"}", null));

        ctx.Value("es", "DB_user").Should().Be("u");
    }

    [Fact]
    public async Task InvalidKeysAfterRewrite_ReadyFalseNamingTheTip()
    {
        var rewrite = new JsonArray(new JsonObject { ["regexp"] = new JsonObject { ["source"] = "x", ["target"] = "x/y" } });
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, dataFrom: Extract("cfg", rewrite: rewrite)), ("cfg", "{\"x\":\"hidden-value\"}", null));

        ctx.Ready("es")!.Status.Should().Be("False");
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("invalid secret keys", StringComparison.Ordinal));
        ctx.Observable.Should().NotContain("hidden-value");
    }

    [Theory]
    [InlineData("Base64", "aGVsbG8=", "hello")]
    [InlineData("Base64URL", "Pz8_Pw==", "????")]
    [InlineData("Auto", "aGVsbG8=", "hello")]
    [InlineData("Auto", "not base64!", "not base64!")]
    [InlineData("None", "aGVsbG8=", "aGVsbG8=")]
    public async Task DecodingStrategy_Decodes(string strategy, string stored, string expected)
    {
        var data = new JsonArray(new JsonObject { ["secretKey"] = "v", ["remoteRef"] = new JsonObject { ["key"] = "k", ["decodingStrategy"] = strategy } });
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, data: data), ("k", stored, null));

        ctx.Value("es", "v").Should().Be(expected);
    }

    [Fact]
    public async Task DecodingStrategyBase64_InvalidInput_ReadyFalse()
    {
        var data = new JsonArray(new JsonObject { ["secretKey"] = "v", ["remoteRef"] = new JsonObject { ["key"] = "k", ["decodingStrategy"] = "Base64" } });
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, data: data), ("k", "%%%", null));

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es")!.Status.Should().Be("False");
    }

    [Fact]
    public async Task NullBytePolicyFail_ValueWithNul_ReadyFalse()
    {
        var data = new JsonArray(new JsonObject { ["secretKey"] = "v", ["remoteRef"] = new JsonObject { ["key"] = "k", ["decodingStrategy"] = "Base64", ["nullBytePolicy"] = "Fail" } });
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, data: data), ("k", "AAE=", null));

        ctx.Secret("es").Should().BeNull();
        ctx.Events.Should().Contain(e => e["message"]!.GetValue<string>().Contains("NUL byte", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Template_DataLiteralMetadataAndType_Rendered()
    {
        var target = new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["type"] = "kubernetes.io/basic-auth",
                ["metadata"] = new JsonObject
                {
                    ["labels"] = new JsonObject { ["app"] = "{{ .user }}" },
                    ["annotations"] = new JsonObject { ["note"] = "static" },
                },
                ["data"] = new JsonObject { ["url"] = "postgres://{{ .user }}:{{ .password }}@db" },
                ["templateFrom"] = new JsonArray(new JsonObject { ["literal"] = "username: \"{{ .user | upper }}\"\npassword: '{{ .password }}'" }),
            },
        };
        var spec = EsoTestContext.Spec(Store, target: target, data: EsoTestContext.Data(("user", "u"), ("password", "p")));
        await using var ctx = await SyncAsync(spec, ("u", "alice", null), ("p", "pw", null));

        var secret = ctx.TypedSecret("es")!;
        secret.Type.Should().Be("kubernetes.io/basic-auth");
        ctx.Value("es", "url").Should().Be("postgres://alice:pw@db");
        ctx.Value("es", "username").Should().Be("ALICE");
        ctx.Value("es", "password").Should().Be("pw");
        ctx.Value("es", "user").Should().BeNull("a template with data replaces the provider keys (mergePolicy Replace)");
        secret.Metadata.Labels.Should().Contain("app", "alice").And.Contain(ExternalSecretReconciler.ManagedLabel, "true");
        secret.Metadata.Annotations.Should().Contain("note", "static");
    }

    [Fact]
    public async Task Template_MergePolicyMerge_KeepsProviderKeys()
    {
        var target = new JsonObject { ["template"] = new JsonObject { ["mergePolicy"] = "Merge", ["data"] = new JsonObject { ["extra"] = "x-{{ .user }}" } } };
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, target: target, data: EsoTestContext.Data(("user", "u"))), ("u", "alice", null));

        ctx.Value("es", "user").Should().Be("alice");
        ctx.Value("es", "extra").Should().Be("x-alice");
    }

    [Fact]
    public async Task Template_ConfigMapKeysAndValues_Rendered()
    {
        await using var ctx = await EsoTestContext.StartAsync();
        ctx.FakeStore(Store, [("u", "alice", null)]);
        ctx.Server.Put(string.Empty, "configmaps", EsoTestContext.Ns, CsiDriver.Tests.Kubernetes.FakeKubeApiServer.ConfigMap("tpl", new Dictionary<string, string> { ["config"] = "name: {{ .user }}\nrole: admin" }));
        var target = new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["templateFrom"] = new JsonArray(new JsonObject
                {
                    ["configMap"] = new JsonObject { ["name"] = "tpl", ["items"] = new JsonArray(new JsonObject { ["key"] = "config", ["templateAs"] = "KeysAndValues" }) },
                }),
            },
        };
        ctx.PutExternalSecret("es", EsoTestContext.Spec(Store, target: target, data: EsoTestContext.Data(("user", "u"))));

        await ctx.ReconcileAsync("es");

        ctx.Value("es", "name").Should().Be("alice");
        ctx.Value("es", "role").Should().Be("admin");
    }

    [Theory]
    [InlineData("bootstrap.kubernetes.io/token", null)]
    [InlineData("kubernetes.io/service-account-token", "kubernetes.io/service-account.name")]
    public async Task Template_RefusedSecretType_NotWritten(string type, string? annotation)
    {
        var template = new JsonObject { ["type"] = type };
        if (annotation is not null)
        {
            template["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [annotation] = "default" } };
        }

        var spec = EsoTestContext.Spec(Store, target: new JsonObject { ["template"] = template }, data: EsoTestContext.Data(("token", "t")));
        await using var ctx = await SyncAsync(spec, ("t", "tok", null));

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es").Should().BeEquivalentTo(new { Status = "False", Message = "could not update secret" });
    }

    [Fact]
    public async Task Template_TemplateFromTargetOtherThanDataLabelsAnnotations_Refused()
    {
        var template = new JsonObject { ["templateFrom"] = new JsonArray(new JsonObject { ["literal"] = "a: b", ["target"] = "spec.foo" }) };
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, target: new JsonObject { ["template"] = template }, data: EsoTestContext.Data(("v", "t"))), ("t", "x", null));

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es")!.Status.Should().Be("False");
    }

    [Fact]
    public async Task Template_Error_ReadyFalseWithoutValue()
    {
        var template = new JsonObject { ["data"] = new JsonObject { ["x"] = "{{ .missing | nosuchfunction }}" } };
        await using var ctx = await SyncAsync(EsoTestContext.Spec(Store, target: new JsonObject { ["template"] = template }, data: EsoTestContext.Data(("v", "t"))), ("t", "template-secret-value", null));

        ctx.Secret("es").Should().BeNull();
        ctx.Ready("es")!.Message.Should().Be("could not update secret");
        ctx.Observable.Should().NotContain("template-secret-value");
    }
}
