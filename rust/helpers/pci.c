// SPDX-License-Identifier: GPL-2.0

#include <linux/pci.h>

void *rust_helper_pci_get_drvdata(struct pci_dev *pdev)
{
	return pci_get_drvdata(pdev);
}

void rust_helper_pci_set_drvdata(struct pci_dev *pdev, void *data)
{
	pci_set_drvdata(pdev, data);
}

resource_size_t rust_helper_pci_resource_len(struct pci_dev *pdev, int bar)
{
	return pci_resource_len(pdev, bar);
}

struct pci_dev *rust_helper_to_pci_dev(struct device *dev)
{
	return to_pci_dev(dev);
}
