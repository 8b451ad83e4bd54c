using System.Text;
using System.Text.RegularExpressions;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Providers.Vault;

namespace CsiDriver.Tests.Security;

/// <summary>
/// The Vault half of the leak check (<see cref="SecretLeakTests"/> covers the local and kubernetes providers
/// in cluster mode): KV and dynamic database secrets, a Vault token from nodePublishSecretRef, pod JWTs,
/// a rotation, failures, unpublish; then logs, gRPC errors, /metrics and the state dir are searched.
/// </summary>
public sealed partial class VaultSecretLeakTests
{
    private const string KvV1 = "vault-kv-LEAKCHECK-v1-51d0";
    private const string KvV2 = "vault-kv-LEAKCHECK-v2-9e3a";

    [Fact]
    public async Task VaultLifeCycle_NoSecretJwtOrVaultTokenInLogsErrorsMetricsOrState()
    {
        await using var driver = await DriverFixture.StartAsync();
        await using var vault = await FakeVaultServer.StartAsync(new ManualClock());
        vault.PutKv2("app/db", new() { ["password"] = KvV1 });
        var staticToken = vault.IssueToken();
        var podJwt = TestJwt.For("vault");
        var wrongJwt = TestJwt.For("not-vault", serviceAccount: "other-sa");
        WriteClass(driver, "vault-app", vault.Address, """
            - objectName: kv-password
              secretPath: secret/data/app/db
              secretKey: password
            - objectName: db-username
              secretPath: database/creds/app
              secretKey: username
            - objectName: db-password
              secretPath: database/creds/app
              secretKey: password
            """);
        WriteClass(driver, "vault-missing", vault.Address, "- {objectName: x, secretPath: secret/data/nope, secretKey: password}");
        var target = driver.TraversableTargetPath("pod-vault");
        var errors = new List<string>();

        await driver.Client.PublishAsync(Publish(target, "vault-app", podJwt, "v-vault"));
        var dynamicPassword = Volume.Read(target, "db-password");
        vault.PutKv2("app/db", new() { ["password"] = KvV2 });
        await driver.Client.PublishAsync(Publish(target, "vault-app", podJwt, "v-vault"));
        Volume.Read(target, "kv-password").Should().Be(KvV2);
        await driver.Client.PublishAsync(Publish(driver.TraversableTargetPath("pod-static"), "vault-app", jwt: null, "v-static", staticToken));
        // Another service account (so no cached Vault token applies) whose JWT has the wrong audience: the login fails.
        var wrong = Publish(driver.TargetPath("pod-wrong"), "vault-app", wrongJwt, "v-wrong");
        wrong.VolumeContext["csi.storage.k8s.io/serviceAccount.name"] = "other-sa";
        errors.Add((await CsiClient.FailsAsync(() => driver.Client.PublishAsync(wrong))).Message);
        errors.Add((await CsiClient.FailsAsync(() => driver.Client.PublishAsync(Publish(driver.TargetPath("pod-missing"), "vault-missing", podJwt, "v-missing")))).Message);
        var stateMidway = StateText(driver);
        using var http = new HttpClient { BaseAddress = driver.MetricsUri };
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        await driver.Client.UnpublishAsync("v-vault", target);
        await driver.Client.UnpublishAsync("v-static", driver.TargetPath("pod-static"));

        vault.LoginCount.Should().BeGreaterThan(0, "the pod JWT was exchanged for a Vault token");
        stateMidway.Should().Contain("vault-app");
        errors.Should().HaveCount(2);
        var sinks = new Dictionary<string, string>
        {
            ["logs"] = driver.Logs.AllText,
            ["grpc errors"] = string.Join('\n', errors),
            ["state"] = stateMidway + StateText(driver),
            ["metrics"] = metrics,
        };
        string[] secrets = [KvV1, KvV2, dynamicPassword, staticToken, podJwt, wrongJwt, podJwt.Split('.')[2], wrongJwt.Split('.')[2]];
        foreach (var (sink, text) in sinks)
        {
            VaultToken().IsMatch(text).Should().BeFalse($"{sink} must not contain a Vault token");
            foreach (var secret in secrets)
            {
                text.Should().NotContain(secret, $"{sink} must not contain a secret, JWT or token").And
                    .NotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
            }
        }
    }

    private static void WriteClass(DriverFixture driver, string name, Uri address, string objects) =>
        driver.WriteClass(name, "vault", objects, extraParameters: $"    vaultAddress: \"{address}\"\n    roleName: app\n");

    private static Protos.Csi.V1.NodePublishVolumeRequest Publish(string target, string className, string? jwt, string volumeId, string? vaultToken = null)
    {
        var context = jwt is null ? null : new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = TestJwt.TokensJson(new Dictionary<string, string> { ["vault"] = jwt }) };
        var request = CsiClient.PublishRequest(target, className: className, volumeId: volumeId, extraContext: context);
        if (vaultToken is not null)
        {
            request.Secrets.Add("vaultToken", vaultToken);
        }

        return request;
    }

    private static string StateText(DriverFixture driver) =>
        Directory.Exists(driver.StateDir) ? string.Join('\n', Directory.GetFiles(driver.StateDir, "*", SearchOption.AllDirectories).Select(File.ReadAllText)) : string.Empty;

    [GeneratedRegex(@"hvs\.[0-9a-f]{32}")]
    private static partial Regex VaultToken();
}
