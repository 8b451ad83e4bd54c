using CsiDriver.Spec;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>Upstream-format manifests (also shipped in deploy/examples/aws/) read by the driver's class source and fetched.</summary>
public sealed class AwsFixtureTests
{
    private static readonly DirectorySecretProviderClassSource Fixtures = new(Path.Combine(AppContext.BaseDirectory, "Providers", "Aws", "Fixtures"));

    [Fact]
    public async Task Fixture_IrsaSecretsManagerAndSsm_MountsEveryFile()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret("us-east-1", "MySecret", text: """{"username": "admin", "password": "hunter2"}""");
        aws.Server.PutSecret("us-east-1", "MySecret2", text: "second");
        aws.Server.PutSecret("us-east-1", "MySecret3", text: "third");
        aws.Server.PutParameter("us-east-1", "/app/MyParameter", "param");
        var spc = await Fixtures.GetAsync("app", "nginx-deployment-aws-secrets", CancellationToken.None);

        var result = await aws.FetchAsync(AwsTestContext.Request(spc.Parameters));

        result.Files.Select(f => f.Path).Should().BeEquivalentTo("MySecret", "dbusername", "dbpassword", "secret2", "_app_MyParameter", "MySecret3");
        result.Text("dbpassword").Should().Be("hunter2");
        result.Files.Single(f => f.Path == "secret2").Mode.Should().Be((UnixFileMode)0x180);
        result.Versions.Select(v => v.Id).Should().BeEquivalentTo(result.Files.Select(f => f.Path));
    }

    [Fact]
    public async Task Fixture_PodIdentity_MountsWithoutTranslation()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret("us-east-1", "MySecret", text: "s");
        aws.Server.PutParameter("us-east-1", "/app/MyParameter", "v1");
        aws.Server.PutParameter("us-east-1", "/app/MyParameter", "v2");
        var spc = await Fixtures.GetAsync("app", "aws-pod-identity", CancellationToken.None);

        var result = await aws.FetchAsync(AwsTestContext.Request(spc.Parameters));

        result.Text("config/param-v1").Should().Be("v1");
        result.Text("MySecret").Should().Be("s");
        aws.Server.Calls("PodIdentity.GetCredentials").Should().Be(1);
    }

    [Fact]
    public async Task Fixture_Failover_ReadsReplicaWhenPrimaryDown()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret("us-east-1", "MySecret", text: "primary");
        aws.Server.PutSecret("us-west-2", "MySecretReplica", text: "replica");
        var spc = await Fixtures.GetAsync("app", "aws-failover", CancellationToken.None);

        (await aws.FetchAsync(AwsTestContext.Request(spc.Parameters))).Text("MySecret").Should().Be("primary");
        aws.Server.RegionsDown["us-east-1"] = true;
        (await aws.FetchAsync(AwsTestContext.Request(spc.Parameters))).Text("MySecret").Should().Be("replica");
    }
}
