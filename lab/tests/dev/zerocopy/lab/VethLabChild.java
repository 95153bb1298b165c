package dev.zerocopy.lab;

/** Run by VethLabTest in a child JVM: creates a lab and exits without closing it. */
public final class VethLabChild {
    private VethLabChild() {
    }

    public static void main(String[] args) throws Exception {
        VethLab lab = VethLab.create(false);
        System.out.println("namespaces " + lab.senderNamespace() + " " + lab.receiverNamespace());
        System.out.flush();
        System.exit(0); // the shutdown hook must remove them
    }
}
