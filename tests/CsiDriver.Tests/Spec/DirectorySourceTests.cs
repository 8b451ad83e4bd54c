using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Spec;

public sealed class DirectorySourceTests
{
    private static string Manifest(string name) =>
        $"apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {{name: {name}}}\nspec: {{provider: local, parameters: {{objects: x}}}}\n";

    [Fact]
    public async Task Get_ManifestAddedAfterTheFolderListingWasKept_FoundAndRemovedOneNotFound()
    {
        using var dir = new TestDirectory();
        File.WriteAllText(dir.Combine("a.yaml"), Manifest("a"));
        File.WriteAllText(dir.Combine("gone.yaml"), Manifest("gone"));
        Directory.SetLastWriteTimeUtc(dir.Path, DateTime.UtcNow.AddMinutes(-1)); // Quiet for a while: the listing is kept.
        var source = new DirectorySecretProviderClassSource(dir.Path);
        (await source.GetAsync("default", "gone", CancellationToken.None)).Name.Should().Be("gone");

        File.WriteAllText(dir.Combine("b.yaml"), Manifest("b"));
        File.Delete(dir.Combine("gone.yaml"));

        (await source.GetAsync("default", "b", CancellationToken.None)).Name.Should().Be("b");
        var missing = await FluentActions.Awaiting(() => source.GetAsync("default", "gone", CancellationToken.None)).Should().ThrowAsync<SecretStoreException>();
        missing.Which.Kind.Should().Be(FailureKind.NotFound);
    }

    [Fact]
    public async Task Get_ClassFolderMissing_NotFoundNamingTheFolder()
    {
        using var dir = new TestDirectory();
        var source = new DirectorySecretProviderClassSource(dir.Combine("nope"));

        var act = await FluentActions.Awaiting(() => source.GetAsync("default", "a", CancellationToken.None)).Should().ThrowAsync<SecretStoreException>();

        act.Which.Kind.Should().Be(FailureKind.NotFound);
        act.Which.Message.Should().Contain("nope");
    }

    [Fact]
    public async Task Get_UpstreamManifestWithOurOptionalFields_AllRead()
    {
        using var dir = new TestDirectory();
        File.WriteAllText(dir.Combine("classes.yaml"), """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ignored}
            ---
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: db
              namespace: team-a
              annotations: {secrets-store.csi.k8s.io/refresh: "1"}
            spec:
              provider: vault
              parameters:
                roleName: app
                vaultSkipTLSVerify: true
                objects: |
                  - objectName: password
              secretObjects:
                - secretName: db
                  type: Opaque
                  data: [{objectName: password, key: PASSWORD}]
              rotation: {policy: OnChange, interval: 10m, staleIfError: 1h}
              templates:
                - path: url
                  template: "postgres://{{ .password }}@db"
                  filePermission: "0440"
              extract:
                - objectName: creds
            """);
        var source = new DirectorySecretProviderClassSource(dir.Path);

        var spc = await source.GetAsync("team-a", "db", CancellationToken.None);

        spc.Provider.Should().Be("vault");
        spc.Parameters["vaultSkipTLSVerify"].Should().Be("true", "plain YAML scalars reach providers as strings, as the API would hold them");
        spc.Annotations[SecretProviderClass.RefreshAnnotation].Should().Be("1");
        spc.SecretObjects.Single().Data.Single().Should().Be(new SecretObjectData("password", "PASSWORD"));
        spc.Rotation.Should().Be(new RotationSpec(RotationPolicy.OnChange, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)));
        spc.Templates.Single().Should().Be(new TemplateSpec("url", "postgres://{{ .password }}@db", "0440"));
        spc.Extract.Should().Equal("creds");
    }

    [Fact]
    public async Task Get_BadRotationPolicy_InvalidConfigurationNamingClass()
    {
        using var dir = new TestDirectory();
        File.WriteAllText(dir.Combine("c.yaml"), "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: c}\nspec: {provider: local, rotation: {policy: Sometimes}}\n");

        var act = () => new DirectorySecretProviderClassSource(dir.Path).GetAsync("default", "c", CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("default/c").And.Contain("Sometimes");
    }

    [Fact]
    public async Task Get_ManifestEditedOnDisk_NewContentSeen()
    {
        using var dir = new TestDirectory();
        var path = dir.Combine("c.yaml");
        File.WriteAllText(path, "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: c}\nspec: {provider: one}\n");
        var source = new DirectorySecretProviderClassSource(dir.Path);
        (await source.GetAsync("default", "c", CancellationToken.None)).Provider.Should().Be("one");

        File.WriteAllText(path, "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata: {name: c}\nspec: {provider: two-changed}\n");

        (await source.GetAsync("default", "c", CancellationToken.None)).Provider.Should().Be("two-changed");
    }
}
