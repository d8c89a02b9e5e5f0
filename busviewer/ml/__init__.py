"""Networks, transforms, inference, Grad-CAM, training and fine-tuning. Never imports Qt."""
